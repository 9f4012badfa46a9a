package macos

import (
	"errors"
	"strings"
	"testing"

	"howett.net/plist"
)

// nested returns an array nested depth levels deep.
func nested(depth int) any {
	var v any = "leaf"
	for i := 0; i < depth; i++ {
		v = []any{v}
	}
	return v
}

func TestCheckNesting(t *testing.T) {
	deepBinary, err := plist.Marshal(map[string]any{"CFBundleName": nested(maxBinaryContainers + 1)}, plist.BinaryFormat)
	if err != nil {
		t.Fatal(err)
	}
	okBinary, err := plist.Marshal(map[string]any{"CFBundleName": "X", "Deep": nested(200)}, plist.BinaryFormat)
	if err != nil {
		t.Fatal(err)
	}
	okXML, err := plist.Marshal(map[string]any{"CFBundleName": "X", "Deep": nested(200)}, plist.XMLFormat)
	if err != nil {
		t.Fatal(err)
	}
	okText, err := plist.Marshal(map[string]any{"CFBundleName": "X", "Deep": nested(200)}, plist.OpenStepFormat)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data string
		deep bool
	}{
		{"binary over the container limit", string(deepBinary), true},
		{"binary 200 deep", string(okBinary), false},
		{"xml 200 deep", string(okXML), false},
		{"text 200 deep", string(okText), false},
		{"xml over the depth limit", "<plist>" + strings.Repeat("<dict>", maxXMLDepth), true},
		{"xml comments do not count", "<plist><!--" + strings.Repeat("<a>", 1000) + "--></plist>", false},
		{"xml empty elements do not count", "<plist>" + strings.Repeat("<true/>", 1000) + "</plist>", false},
		{"xml closers in CDATA do not hide depth", "<plist>" + strings.Repeat("<array><![CDATA[</x>]]>", 300), true},
		{"text brackets", strings.Repeat("{a=", maxTextOpeners+1), true},
		{"xml may hold brackets in strings", `<?xml version="1.0"?><plist><string>` + strings.Repeat("(", maxTextOpeners+1) + `</string></plist>`, false},
	}
	for _, tt := range tests {
		err := checkNesting([]byte(tt.data))
		if got := errors.Is(err, errTooDeep); got != tt.deep {
			t.Errorf("%s: checkNesting = %v, want too deep %v", tt.name, err, tt.deep)
		}
	}
}

func TestDecodeFormats(t *testing.T) {
	want := map[string]any{"CFBundleName": "Tiny", "CFBundleShortVersionString": "1.0", "CFBundleVersion": 7}
	for _, format := range []int{plist.XMLFormat, plist.BinaryFormat, plist.OpenStepFormat, plist.GNUStepFormat} {
		data, err := plist.Marshal(want, format)
		if err != nil {
			t.Fatal(err)
		}
		var info infoPlist
		if err := decodePlist(data, &info); err != nil {
			t.Errorf("format %d: %v", format, err)
			continue
		}
		if info.Name != "Tiny" || info.ShortVersion != "1.0" || info.Version != "7" {
			t.Errorf("format %d: got %+v", format, info)
		}
	}
}

func FuzzPlistInfo(f *testing.F) {
	f.Add(mustHex(f, tinyBinary))
	f.Add([]byte(xmlPlist(`<key>CFBundleName</key><string>3CX Desktop App</string>
		<key>CFBundleShortVersionString</key><string>18.11.1213</string>`)))
	f.Add([]byte(`{ CFBundleName = Tiny; CFBundleVersion = "1.0"; Deep = ((a, b), {c = d;}); }`))
	f.Add([]byte(`{ CFBundleVersion = <*I5>; Data = <0fbd77>; }`))
	f.Add([]byte("bplist00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var info infoPlist
		if err := decodePlist(data, &info); err != nil {
			return
		}
		for _, s := range []text{info.Name, info.DisplayName, info.Identifier, info.ShortVersion, info.Version} {
			if len(s) > maxText {
				t.Fatalf("value of %d bytes passed the clip", len(s))
			}
		}
	})
}

func FuzzPlistHost(f *testing.F) {
	f.Add([]byte(xmlPlist(`<key>System</key><dict><key>System</key><dict>
		<key>ComputerName</key><string>Carol's Mac</string></dict></dict>`)))
	f.Add([]byte(`{ System = { Network = { HostNames = { LocalHostName = x; }; }; }; }`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p preferences
		_ = decodePlist(data, &p)
		var sv systemVersion
		_ = decodePlist(data, &sv)
	})
}
