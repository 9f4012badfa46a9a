package syntax

import "testing"

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`rule a : t { meta: x = "y" n = -1 strings: $a = "x\x41" nocase wide $h = { 4D 5A ?? [1-2] ( 90 | C3 ) } $r = /a.b/is condition: $a and #h > 1 or @r[1] < 5 }`,
		`import "pe" include "x.yar" private global rule b { condition: for all i in (1..3) : ( uint8(i) == 0 ) }`,
		`rule c { strings: $a = "x" xor(1-2) base64("` + "0123456789012345678901234567890123456789012345678901234567890123" + `") condition: 50% of ($a*) in (0..filesize) }`,
		`rule d { condition: "a" matches /b/ and for any s in ("x", "y") : (s iequals "X") }`,
		"rule e { condition: /* c */ true // c\n }",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		file, err := Parse("fuzz.yar", src)
		if err == nil && file == nil {
			t.Fatal("nil file without error")
		}
	})
}
