package persist

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Tasks reads scheduled tasks: the XML files Task Scheduler keeps under
// Windows\System32\Tasks (UTF-16LE with a byte-order mark as Windows
// writes them; UTF-8 accepted). Each Exec action is an entry; a
// ComHandler action is recorded by its class id.
type Tasks struct{}

// NewTasks returns the scheduled-task collector.
func NewTasks() *Tasks { return &Tasks{} }

// Name implements collect.PathCollector.
func (*Tasks) Name() string { return "persist-tasks" }

// WantsPath implements collect.PathCollector: a file below
// Windows/System32/Tasks (any case).
func (*Tasks) WantsPath(env *collect.Env, rel string) bool {
	const dir = "windows/system32/tasks/"
	return env.OS == "windows" && len(rel) > len(dir) && strings.EqualFold(rel[:len(dir)], dir)
}

// CollectPath implements collect.PathCollector.
func (*Tasks) CollectPath(ctx context.Context, env *collect.Env, rel string, sink collect.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, mtime, err := readBounded(env.FS, rel)
	if err != nil {
		sink.AddError(rel, "read", err)
		return nil
	}
	entries, err := taskEntries(data)
	if err != nil {
		sink.AddError(rel, stage, entryError(rel, "task xml", err))
		return nil
	}
	name := rel[len("windows/system32/tasks/"):]
	for _, a := range entries {
		a.Source = env.Display(rel)
		if a.Name == "" {
			a.Name = `\` + strings.ReplaceAll(name, "/", `\`)
		}
		if a.LastSeen == nil {
			a.LastSeen, a.TimeFrom = timePtr(mtime), TimeFileMtime
		}
		user := ""
		if !strings.Contains(a.RunAs, `\`) && !strings.HasPrefix(strings.ToUpper(a.RunAs), "S-1-5-") {
			user = a.RunAs
		}
		setProgram(env, sink, &a, user, "")
		setNetwork(&a)
		sink.AddArtifact(a)
	}
	return nil
}

// task is the part of a Task Scheduler XML document cascade reads.
type task struct {
	XMLName      xml.Name `xml:"Task"`
	Registration struct {
		Date   string `xml:"Date"`
		Author string `xml:"Author"`
		URI    string `xml:"URI"`
	} `xml:"RegistrationInfo"`
	Triggers struct {
		List []struct {
			XMLName xml.Name
			Enabled string `xml:"Enabled"`
		} `xml:",any"`
	} `xml:"Triggers"`
	Principals struct {
		List []struct {
			UserID  string `xml:"UserId"`
			GroupID string `xml:"GroupId"`
		} `xml:"Principal"`
	} `xml:"Principals"`
	Settings struct {
		Enabled string `xml:"Enabled"`
		Hidden  string `xml:"Hidden"`
	} `xml:"Settings"`
	Actions struct {
		Exec []struct {
			Command   string `xml:"Command"`
			Arguments string `xml:"Arguments"`
		} `xml:"Exec"`
		COM []struct {
			ClassID string `xml:"ClassId"`
			Data    string `xml:"Data"`
		} `xml:"ComHandler"`
	} `xml:"Actions"`
}

// Bounds on a task document.
const (
	maxXMLDepth  = 32
	maxXMLTokens = 100000
)

var errDTD = errors.New("document type declarations are refused (no DTD, no entities)")

// taskEntries decodes a task document and returns one entry per action.
func taskEntries(data []byte) ([]snapshot.Artifact, error) {
	text, err := taskText(data)
	if err != nil {
		return nil, err
	}
	var t task
	if err := xml.NewTokenDecoder(&checkedTokens{d: newDecoder(text)}).Decode(&t); err != nil {
		return nil, err
	}
	base := snapshot.Artifact{Kind: snapshot.ArtifactPersistence, Mechanism: snapshot.MechScheduledTask,
		Name: clip(strings.TrimSpace(t.Registration.URI)), Disabled: strings.EqualFold(strings.TrimSpace(t.Settings.Enabled), "false")}
	if len(t.Principals.List) > 0 {
		p := t.Principals.List[0]
		base.RunAs = clip(strings.TrimSpace(p.UserID + p.GroupID))
	}
	if d, ok := taskDate(t.Registration.Date); ok {
		base.LastSeen, base.FirstSeen, base.TimeFrom = &d, &d, TimeRegistered
	}
	var trig []string
	for i, tr := range t.Triggers.List {
		if i == 16 {
			break
		}
		name := strings.TrimSuffix(tr.XMLName.Local, "Trigger")
		if strings.EqualFold(strings.TrimSpace(tr.Enabled), "false") {
			name += " (disabled)"
		}
		trig = append(trig, name)
	}
	base.Trigger = clip(strings.Join(trig, ", "))
	if a := strings.TrimSpace(t.Registration.Author); a != "" {
		base.Trigger = clip(strings.TrimSpace(base.Trigger + "; author " + a))
	}
	var out []snapshot.Artifact
	for i, e := range t.Actions.Exec {
		if i == 32 {
			break
		}
		a := base
		a.Command, a.Args = clip(strings.TrimSpace(e.Command)), clip(strings.TrimSpace(e.Arguments))
		a.Command = strings.Trim(a.Command, `"`)
		out = append(out, a)
	}
	for i, c := range t.Actions.COM {
		if i == 32 {
			break
		}
		a := base
		a.Command, a.Args = "COM "+clip(strings.TrimSpace(c.ClassID)), clip(strings.TrimSpace(c.Data))
		out = append(out, a)
	}
	return out, nil
}

// taskText returns the document as UTF-8: UTF-16LE and UTF-16BE with a
// byte-order mark are converted, a UTF-8 BOM is dropped.
func taskText(data []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return utf16Text(data[2:], false), nil
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return utf16Text(data[2:], true), nil
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	}
	if !utf8.Valid(data) {
		return nil, errors.New("neither UTF-16 with a byte-order mark nor UTF-8")
	}
	return data, nil
}

func utf16Text(b []byte, big bool) []byte {
	u := make([]uint16, len(b)/2)
	for i := range u {
		if big {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
		}
	}
	return []byte(string(utf16.Decode(u)))
}

// newDecoder is strict XML whose declared encoding is ignored (the text
// is UTF-8 by now) and which knows no entities beyond XML's five.
func newDecoder(text []byte) *xml.Decoder {
	d := xml.NewDecoder(bytes.NewReader(text))
	d.Strict = true
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	return d
}

// checkedTokens hands on a decoder's tokens, refusing a DOCTYPE (and with
// it any entity declaration), nesting deeper than maxXMLDepth and more than
// maxXMLTokens tokens, in the same pass as the decoding.
type checkedTokens struct {
	d     *xml.Decoder
	depth int
	n     int
}

// Token implements xml.TokenReader.
func (c *checkedTokens) Token() (xml.Token, error) {
	if c.n++; c.n > maxXMLTokens {
		return nil, fmt.Errorf("more than %d XML tokens", maxXMLTokens)
	}
	tok, err := c.d.Token()
	if err != nil {
		return tok, err
	}
	switch tok.(type) {
	case xml.Directive:
		return nil, errDTD
	case xml.StartElement:
		if c.depth++; c.depth > maxXMLDepth {
			return nil, fmt.Errorf("elements nested more than %d deep", maxXMLDepth)
		}
	case xml.EndElement:
		c.depth--
	}
	return tok, nil
}

// taskDate parses a RegistrationInfo Date: ISO 8601, with or without a
// zone and fraction. Without a zone it is the machine's local time, read
// here as UTC (the image does not say its zone).
func taskDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(l, s); err == nil && t.Year() > 1980 {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
