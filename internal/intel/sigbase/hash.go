package sigbase

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/cascade-ir/cascade/internal/intel"
)

// hashTypes are the digest kinds in a hash list, in output order.
var hashTypes = []intel.Type{intel.MD5, intel.SHA1, intel.SHA256}

// trivialDigests are the digests of an empty file and of a file holding
// only a line break: listed by mistake, they would flag thousands of
// harmless files, so they are skipped with a warning (as LOKI does).
var trivialDigests = func() map[string]bool {
	m := map[string]bool{}
	for _, content := range []string{"", "\n", "\r\n"} {
		a, b, c := md5.Sum([]byte(content)), sha1.Sum([]byte(content)), sha256.Sum256([]byte(content))
		m[hex.EncodeToString(a[:])] = true
		m[hex.EncodeToString(b[:])] = true
		m[hex.EncodeToString(c[:])] = true
	}
	return m
}()

// hashes reads DIGEST[;COMMENT] and DIGEST;SCORE;COMMENT lines, MD5, SHA-1
// and SHA-256 mixed, into one compact list per digest type. A second field
// of digits followed by ';' is a score; otherwise everything after the
// first ';' is the comment, which may itself contain ';'.
func (l *loader) hashes(in *intel.Intel) error {
	lists := map[intel.Type]*intel.HashList{}
	var lower [64]byte
	for {
		line, ok := l.lines.next()
		if !ok {
			break
		}
		digest, rest, _ := bytes.Cut(line, []byte(";"))
		digest = bytes.TrimSpace(digest)
		typ := digestType(len(digest))
		if typ == "" {
			if l.fail(fmt.Errorf("%q is not an MD5, SHA-1 or SHA-256 digest (%d characters)", clip(digest), len(digest))) {
				break
			}
			continue
		}
		sc, comment, err := splitScore(rest, DefaultHashScore)
		if err != nil {
			if l.fail(err) {
				break
			}
			continue
		}
		d := lower[:len(digest)]
		copy(d, digest)
		toLower(d)
		if trivialDigests[string(d)] {
			l.warn(fmt.Errorf("skipped %s: the digest of an empty or one-line-break file would match harmless files", d))
			continue
		}
		list := lists[typ]
		if list == nil {
			list = intel.NewHashList(typ, l.src.ID)
			list.Incident = l.opts.Incident
			lists[typ] = list
		}
		if err := list.AddBytes(d, sc, validUTF8(comment), l.lines.n); err != nil {
			if l.fail(err) {
				break
			}
		}
	}
	if err := l.lines.failure(); err != nil {
		return err
	}
	if err := l.result(); err != nil {
		return err
	}
	for _, t := range hashTypes {
		if list := lists[t]; list != nil {
			list.Seal()
			in.HashLists = append(in.HashLists, list)
		}
	}
	return nil
}

// splitScore splits what follows an entry's value into a score and a
// comment: a field of digits followed by ';' is a score, anything else is
// all comment (which may contain ';'). def is the score when none is given.
func splitScore(rest []byte, def int) (int, []byte, error) {
	first, comment, ok := bytes.Cut(rest, []byte(";"))
	first = bytes.TrimSpace(first)
	if !ok || !isDigits(first) {
		return def, bytes.TrimSpace(rest), nil
	}
	sc, ok := score(first)
	if !ok {
		return 0, nil, fmt.Errorf("score %q is outside 0..100", clip(first))
	}
	return sc, bytes.TrimSpace(comment), nil
}

func digestType(n int) intel.Type {
	for _, t := range hashTypes {
		if t.HexLen() == n {
			return t
		}
	}
	return ""
}

func toLower(b []byte) {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}

// clip shortens a value quoted in an error message.
func clip(b []byte) string {
	const n = 80
	if len(b) > n {
		return text(b[:n]) + "…"
	}
	return text(b)
}
