package msi

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/richardlehane/msoleps"
	"github.com/richardlehane/msoleps/types"

	"github.com/cascade-ir/cascade/internal/guard"
)

var summaryKeys = map[string]string{
	"Title":      MetaTitle,
	"Subject":    MetaSubject,
	"Author":     MetaAuthor,
	"Comments":   MetaComments,
	"Template":   MetaTemplate,
	"RevNumber":  MetaPackageCode,
	"CreateTime": MetaCreateTime,
	"AppName":    MetaCreatingApp,
}

// summary reads the \x05SummaryInformation property set with msoleps.
func summary(b *db, meta map[string]string) (err error) {
	e := b.streams["\x05SummaryInformation"]
	if e == nil {
		return nil
	}
	raw, err := b.d.readStream(e, 1<<20)
	if err != nil {
		return err
	}
	defer guard.Recover(&err, "property set parser", "SummaryInformation")
	ps, err := msoleps.NewFrom(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	for _, p := range ps.Property {
		key := summaryKeys[p.Name]
		if key == "" || p.T == nil {
			continue
		}
		v := p.T.String()
		if ft, ok := p.T.(types.FileTime); ok {
			v = ft.Time().UTC().Format(time.RFC3339)
		}
		if v = clean(v); v != "" {
			meta[key] = v
		}
	}
	return nil
}

// maxMetaValue caps a value kept in Meta.
const maxMetaValue = 512

func clean(s string) string {
	s = strings.TrimSpace(strings.Trim(s, "\x00"))
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) > maxMetaValue {
		s = s[:maxMetaValue]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return s
}
