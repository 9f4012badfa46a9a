package execart

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

func u16(s string) []byte {
	var b []byte
	for _, c := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return b
}

func ft(t time.Time) []byte {
	return binary.LittleEndian.AppendUint64(nil, uint64(t.UnixNano()/100)+116444736000000000)
}

var shimTime = time.Date(2022, 4, 12, 9, 25, 0, 0, time.UTC)

// win7x64 builds a Windows 7 64-bit AppCompatCache value with one entry.
func win7x64(path string, flags uint32) []byte {
	b := make([]byte, 128+48)
	binary.LittleEndian.PutUint32(b, 0xBADC0FEE)
	binary.LittleEndian.PutUint32(b[4:], 1)
	p := u16(path)
	binary.LittleEndian.PutUint16(b[128:], uint16(len(p)))
	binary.LittleEndian.PutUint64(b[128+8:], uint64(len(b)))
	copy(b[128+16:], ft(shimTime))
	binary.LittleEndian.PutUint32(b[128+24:], flags)
	return append(b, p...)
}

// win8 builds a Windows 8.1 value with one "10ts" entry.
func win8(path string, flags uint32) []byte {
	b := make([]byte, 128)
	binary.LittleEndian.PutUint32(b, 0x80)
	p := u16(path)
	body := binary.LittleEndian.AppendUint16(nil, uint16(len(p)))
	body = append(body, p...)
	body = append(body, 0, 0) // no package name
	body = binary.LittleEndian.AppendUint32(body, flags)
	body = binary.LittleEndian.AppendUint32(body, 0)
	body = append(body, ft(shimTime)...)
	body = append(body, 0, 0, 0, 0)
	b = append(b, "10ts\x00\x00\x00\x00"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(body)))
	return append(b, body...)
}

func TestParseShimcacheFormats(t *testing.T) {
	const path = `C:\Users\alice\Downloads\X_TRADER_r7.17.90p608.exe`
	for _, c := range []struct {
		name     string
		in       []byte
		executed string
	}{
		{"windows 7 x64, executed", win7x64(path, 2), "yes"},
		{"windows 7 x64, not executed", win7x64(path, 0), "no"},
		{"windows 8.1, executed", win8(path, 2), "yes"},
	} {
		got, err := ParseShimcache(c.in)
		if err != nil || len(got) != 1 || got[0].Path != path || !got[0].Modified.Equal(shimTime) || got[0].Executed != c.executed {
			t.Errorf("%s: %+v, %v", c.name, got, err)
		}
	}
	bad := win8(path, 2)
	binary.LittleEndian.PutUint32(bad[136:], 1<<30)
	if _, err := ParseShimcache(bad); err == nil || !strings.Contains(err.Error(), "overruns") {
		t.Errorf("lying entry size: %v", err)
	}
	huge := win7x64(path, 0)
	binary.LittleEndian.PutUint32(huge[4:], 1<<30)
	if _, err := ParseShimcache(huge); err == nil || !strings.Contains(err.Error(), "cap") {
		t.Errorf("huge count: %v", err)
	}
}

func TestParseUserAssist(t *testing.T) {
	data := make([]byte, 72)
	binary.LittleEndian.PutUint32(data[4:], 3)
	binary.LittleEndian.PutUint32(data[12:], 754000)
	copy(data[60:], ft(shimTime))
	e, err := ParseUserAssist(`{6Q809377-6NS0-444O-8957-N3773S02200R}\K_GENQRE\k.rkr`, data)
	if err != nil || e.Name != `C:\Program Files\X_TRADER\x.exe` || e.RunCount != 3 || !e.LastRun.Equal(shimTime) ||
		e.FocusTime != 754*time.Second {
		t.Errorf("%+v, %v", e, err)
	}
	if _, err := ParseUserAssist("k", make([]byte, 30)); err == nil {
		t.Error("30-byte value accepted")
	}
}
