package execart

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// UserAssistEntry is one UserAssist value: a program (or shortcut) a user
// started from Explorer.
type UserAssistEntry struct {
	Name      string // ROT13-decoded, known-folder GUIDs resolved
	RunCount  int
	FocusTime time.Duration
	LastRun   time.Time
}

// ParseUserAssist decodes one value of a UserAssist\{GUID}\Count key:
// the ROT13 name, and the Windows 7+ 72-byte data (run count at 4, focus
// time in ms at 12, last run FILETIME at 60) or the 16-byte data of XP
// (run count at 4, counted from 5; last run at 8).
func ParseUserAssist(name string, data []byte) (UserAssistEntry, error) {
	e := UserAssistEntry{Name: resolveKnownFolder(rot13(name))}
	switch {
	case len(data) >= 72:
		e.RunCount = int(binary.LittleEndian.Uint32(data[4:]))
		e.FocusTime = time.Duration(binary.LittleEndian.Uint32(data[12:])) * time.Millisecond
		e.LastRun = filetime(binary.LittleEndian.Uint64(data[60:]))
	case len(data) == 16:
		if c := int(binary.LittleEndian.Uint32(data[4:])); c > 5 {
			e.RunCount = c - 5
		}
		e.LastRun = filetime(binary.LittleEndian.Uint64(data[8:]))
	default:
		return e, fmt.Errorf("UserAssist value %q: %d bytes of data, neither the 72-byte nor the 16-byte layout", e.Name, len(data))
	}
	return e, nil
}

func rot13(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return 'a' + (r-'a'+13)%26
		case r >= 'A' && r <= 'Z':
			return 'A' + (r-'A'+13)%26
		}
		return r
	}, s)
}

// knownFolders maps the known-folder GUIDs UserAssist names start with to
// their default locations.
var knownFolders = map[string]string{
	"{6D809377-6AF0-444B-8957-A3773F02200E}": `C:\Program Files`,
	"{7C5A40EF-A0FB-4BFC-874A-C0F2E0B9FA8E}": `C:\Program Files (x86)`,
	"{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}": `C:\Windows\System32`,
	"{D65231B0-B2F1-4857-A4CE-A8E7C6EA7D27}": `C:\Windows\SysWOW64`,
	"{F38BF404-1D43-42F2-9305-67DE0B28FC23}": `C:\Windows`,
}

func resolveKnownFolder(name string) string {
	if len(name) < 38 || name[0] != '{' {
		return name
	}
	if dir, ok := knownFolders[strings.ToUpper(name[:38])]; ok {
		return dir + name[38:]
	}
	return name
}
