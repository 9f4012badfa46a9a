package sigbase

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel"
)

// c2s reads one domain, IP address or CIDR range per line, optionally
// followed by ";COMMENT" or ";SCORE;COMMENT". Without a comment, the last
// comment line above describes the entry. Defanged dots ("[.]") are
// accepted, and a leading "*." is dropped (domains match their
// sub-domains anyway).
func (l *loader) c2s(in *intel.Intel) error {
	for {
		line, ok := l.lines.next()
		if !ok {
			break
		}
		ind, err := l.c2(line)
		if err != nil {
			if l.fail(err) {
				break
			}
			continue
		}
		in.Indicators = append(in.Indicators, ind)
	}
	return l.finish()
}

func (l *loader) c2(line []byte) (intel.Indicator, error) {
	value, rest, _ := bytes.Cut(line, []byte(";"))
	sc, comment, err := splitScore(rest, DefaultC2Score)
	if err != nil {
		return intel.Indicator{}, err
	}
	desc := text(comment)
	if desc == "" {
		desc = l.lines.comment
	}
	v := strings.ToLower(text(bytes.TrimSpace(value)))
	v = refang.Replace(v)
	v = strings.TrimSuffix(strings.TrimPrefix(v, "*."), ".")
	if strings.Contains(v, "/") && !isPrefix(v) || strings.Contains(v, "://") {
		return intel.Indicator{}, fmt.Errorf("%q is a URL or a path: a C2 list holds host names and addresses", clip(value))
	}
	ind := l.indicator(intel.Domain, sc, desc)
	if _, err := netip.ParseAddr(v); err == nil || isPrefix(v) {
		ind.Type = intel.IP
	} else if err := intel.ValidDomain(v); err != nil {
		return ind, fmt.Errorf("%q is neither an IP address, a CIDR range nor a domain: %w", clip(value), err)
	}
	ind.Value = v
	return ind, ind.Validate()
}

// refang undoes the usual defanging of dots in shared IOC lists.
var refang = strings.NewReplacer("[.]", ".", "(.)", ".", "[dot]", ".")

func isPrefix(v string) bool {
	_, err := netip.ParsePrefix(v)
	return err == nil
}
