package packgen

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/intel"
)

// typeMap is the mechanical mapping from a table type to an indicator type.
// Types not listed here need a skip or curated rule.
var typeMap = map[string]intel.Type{
	"sha256": intel.SHA256, "sha1": intel.SHA1, "md5": intel.MD5,
	"domain": intel.Domain, "ip": intel.IP, "url": intel.URL,
	"filename": intel.Filename, "path": intel.Path,
	"cert_subject": intel.Signer, "cert_issuer": intel.Signer, "cert_serial": intel.Signer,
	"cert_thumbprint": intel.Signer, "cert_sha1": intel.Signer, "cert_sha256": intel.Signer,
}

// partSep separates alternatives in a filename value ("a.dll / b.dll").
const partSep = " / "

// parts splits a filename row's value into its alternatives; other types
// keep their value whole.
func parts(r row) []string {
	if r.Type != "filename" || !strings.Contains(r.Value, partSep) {
		return []string{r.Value}
	}
	var out []string
	for _, p := range strings.Split(r.Value, partSep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// convert turns one mapped value of a row into indicators, applying the
// row's modifier rules.
func (b *builder) convert(r row, value string) ([]intel.Indicator, error) {
	typ, ok := typeMap[r.Type]
	if ru := b.rules.one(r.Incident, r.Type, value, actAs); ru != nil {
		typ, ok = intel.Type(ru.Arg), true
	}
	if !ok {
		return nil, fmt.Errorf("type %q has no mechanical mapping: add a skip or curated rule", r.Type)
	}
	sr := b.rules.one(r.Incident, r.Type, value, actScore)
	if sr == nil {
		return nil, fmt.Errorf("no score rule for %s %q", r.Type, value)
	}
	score, err := strconv.Atoi(sr.Arg)
	if err != nil {
		return nil, fmt.Errorf("rules line %d: score %q: %w", sr.Line, sr.Arg, err)
	}
	raw := value
	if ru := b.rules.one(r.Incident, r.Type, value, actValue); ru != nil {
		raw = ru.Arg
	}
	values := []string{raw}
	if ru := b.rules.one(r.Incident, r.Type, value, actExpand); ru != nil {
		if values, err = expand(raw, ru.Arg); err != nil {
			return nil, fmt.Errorf("rules line %d: %w", ru.Line, err)
		}
	}
	var out []intel.Indicator
	for _, v := range values {
		ind, err := b.indicator(r, value, typ, v, score)
		if err != nil {
			return nil, err
		}
		out = append(out, ind)
	}
	return out, nil
}

// indicator builds and validates one indicator. key is the (part of the)
// row value the rules are keyed on; v is the value after rewriting.
func (b *builder) indicator(r row, key string, typ intel.Type, v string, score int) (intel.Indicator, error) {
	ind := intel.Indicator{
		ID: r.Incident + "/" + string(typ) + "/" + v, Type: typ, Score: score,
		Description: r.Context, Incident: r.Incident, References: r.refs(),
	}
	var err error
	switch typ {
	case intel.SHA256, intel.SHA1, intel.MD5, intel.Domain:
		ind.Value = strings.ToLower(v)
		ind.ID = r.Incident + "/" + string(typ) + "/" + ind.Value
		err = errors.Join(b.setSameFile(&ind, r, key), b.setFileTypes(&ind, r, key))
	case intel.IP:
		err = setIP(&ind, v, r.Context)
	case intel.Filename:
		err = b.setFilename(&ind, r, key, v)
	case intel.URL, intel.Path:
		ind.Value = v
	case intel.Signer:
		err = setSigner(&ind, r.Type, v)
	default:
		err = fmt.Errorf("rules cannot map to indicator type %q", typ)
	}
	if ru := b.rules.one(r.Incident, r.Type, key, actContext); ru != nil {
		ind.Tags = append(ind.Tags, intel.TagContext)
	}
	if err == nil {
		err = ind.Validate()
	}
	return ind, err
}

// setSameFile records the SHA-256 a same-file rule gives for the file a
// SHA-1 or MD5 row names. The rule names one row (no wildcard value);
// the pack's finish checks the SHA-256 is one of its own indicators.
func (b *builder) setSameFile(ind *intel.Indicator, r row, key string) error {
	ru := b.rules.one(r.Incident, r.Type, key, actSame)
	switch {
	case ru == nil:
		return nil
	case ru.Value == wildcard || ru.Incident == wildcard:
		return fmt.Errorf("rules line %d: a same-file rule names one row, not a wildcard", ru.Line)
	case ind.Type != intel.SHA1 && ind.Type != intel.MD5:
		return fmt.Errorf("rules line %d: same-file is for sha1 and md5 rows, not %s", ru.Line, ind.Type)
	}
	ind.SameFile = map[intel.Type]string{intel.SHA256: strings.ToLower(ru.Arg)}
	return nil
}

// setFileTypes records the file types a file-type rule gives for the file
// a digest row names. The rule names one row (no wildcard): each claim
// rests on what the source says about that file.
func (b *builder) setFileTypes(ind *intel.Indicator, r row, key string) error {
	ru := b.rules.one(r.Incident, r.Type, key, actFileType)
	switch {
	case ru == nil:
		return nil
	case ru.Value == wildcard || ru.Incident == wildcard:
		return fmt.Errorf("rules line %d: a file-type rule names one row, not a wildcard", ru.Line)
	}
	types := strings.Split(ru.Arg, "|")
	slices.Sort(types)
	ind.FileTypes = slices.Compact(types)
	return nil
}

// expand replaces "%d" in v with each integer of the inclusive range "A..B".
func expand(v, spec string) ([]string, error) {
	lo, hi, ok := strings.Cut(spec, "..")
	a, errA := strconv.Atoi(lo)
	z, errZ := strconv.Atoi(hi)
	if !ok || errA != nil || errZ != nil || a > z || z-a > 1000 {
		return nil, fmt.Errorf("expand range %q: want A..B with A <= B", spec)
	}
	if strings.Count(v, "%d") != 1 {
		return nil, fmt.Errorf("expand needs exactly one %%d in %q", v)
	}
	var out []string
	for i := a; i <= z; i++ {
		out = append(out, strings.Replace(v, "%d", strconv.Itoa(i), 1))
	}
	return out, nil
}

// firstLastRE finds "first YYYY-MM-DD last YYYY-MM-DD" observation windows
// (Mandiant's NBI table) in a row's context.
var firstLastRE = regexp.MustCompile(`first (\d{4}-\d{2}-\d{2}) last (\d{4}-\d{2}-\d{2})`)

// setIP stores an address, moving a port into the description, and limits
// the indicator to the observation window the context gives: addresses are
// reassigned, so a contact outside the window means nothing.
func setIP(ind *intel.Indicator, v, context string) error {
	if ap, err := netip.ParseAddrPort(v); err == nil {
		ind.Value = ap.Addr().String()
		ind.Description = strings.TrimSpace(fmt.Sprintf("%s (port %d)", context, ap.Port()))
	} else {
		ind.Value = v
	}
	ind.ID = ind.Incident + "/ip/" + ind.Value
	m := firstLastRE.FindStringSubmatch(context)
	if m == nil {
		return nil
	}
	from, err1 := time.Parse(time.DateOnly, m[1])
	last, err2 := time.Parse(time.DateOnly, m[2])
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("observation window in %q: %w", context, err)
	}
	ind.ValidFrom, ind.ValidUntil = from, last.AddDate(0, 0, 1)
	return nil
}

// setFilename turns a file name into a signature-base style regex anchored
// at a path separator and the end of the path, unless a regex rule gives one.
func (b *builder) setFilename(ind *intel.Indicator, r row, key, v string) error {
	ind.ID = r.Incident + "/filename/" + v
	ind.Value = FilenameRegex(v)
	if ru := b.rules.one(r.Incident, r.Type, key, actRegex); ru != nil {
		ind.Value = ru.Arg
	}
	if ru := b.rules.one(r.Incident, r.Type, key, actFP); ru != nil {
		ind.FalsePositive = ru.Arg
	}
	return nil
}

var sepRE = regexp.MustCompile(`[/\\]`)

// FilenameRegex escapes a file name (which may carry directories, with
// either separator) into a regex over a full path: it must start at a path
// separator or the start of the path, and end the path.
func FilenameRegex(name string) string {
	segs := sepRE.Split(name, -1)
	for i, s := range segs {
		segs[i] = regexp.QuoteMeta(s)
	}
	return `(^|[\\/])` + strings.Join(segs, `[\\/]`) + `$`
}

// setSigner fills the signer spec from a certificate row.
func setSigner(ind *intel.Indicator, typ, v string) error {
	s := &intel.SignerSpec{}
	switch typ {
	case "cert_subject":
		s.Subject = v
	case "cert_issuer":
		s.Issuer = v
	case "cert_serial":
		s.Serial = normalizeHex(v)
		v = s.Serial
	case "cert_thumbprint", "cert_sha1", "cert_sha256":
		s.Thumbprint = normalizeHex(v)
		v = s.Thumbprint
	default:
		return fmt.Errorf("no signer field for %q", typ)
	}
	if (s.Serial != "" || s.Thumbprint != "") && !isHex(v) {
		return fmt.Errorf("%s %q is not hex", typ, v)
	}
	ind.Signer = s
	ind.ID = ind.Incident + "/signer/" + v
	return nil
}

// normalizeHex lower-cases hex and drops the separators certificate tools
// print between bytes.
func normalizeHex(v string) string {
	return strings.ToLower(strings.NewReplacer(" ", "", ":", "", "-", "").Replace(v))
}

func isHex(v string) bool {
	if v == "" {
		return false
	}
	for _, c := range v {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}
