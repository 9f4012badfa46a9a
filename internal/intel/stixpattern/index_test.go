package stixpattern

import (
	"reflect"
	"strings"
	"testing"
)

func TestIndexKeys(t *testing.T) {
	const h = "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"
	cases := []struct {
		pattern string
		keys    []string // "path=value"
		exact   bool
	}{
		{"[file:hashes.'SHA-256' = '" + h + "']", []string{"file:hashes.'SHA-256'=" + h}, true},
		{"[domain-name:value = 'a.example' OR domain-name:value = 'b.example']", []string{"domain-name:value=a.example", "domain-name:value=b.example"}, true},
		{"[domain-name:value = 'a.example'] OR [url:value = 'http://b.example/']", []string{"domain-name:value=a.example", "url:value=http://b.example/"}, true},
		{"[domain-name:value IN ('a', 'b', 'a')]", []string{"domain-name:value=a", "domain-name:value=b"}, true},
		{"[domain-name:value NOT != 'a']", []string{"domain-name:value=a"}, true},
		{"[file:hashes.MD5 = 'x'] WITHIN 60 SECONDS", []string{"file:hashes.MD5=x"}, true},
		{"[file:hashes.MD5 = 'x'] REPEATS 1 TIMES", []string{"file:hashes.MD5=x"}, true},
		{"[network-traffic:dst_ref.value = '203.0.113.1']", []string{"network-traffic:dst_ref.value=203.0.113.1"}, true},
		{"[file:hashes.MD5 = 'x' AND file:name = 'a.exe']", []string{"file:hashes.MD5=x"}, false},
		{"[file:name IN ('a', 'b') AND file:hashes.MD5 = 'x']", []string{"file:hashes.MD5=x"}, false},
		{"[file:hashes.MD5 = 'x' AND file:size > 5]", []string{"file:hashes.MD5=x"}, false},
		{"[file:hashes.MD5 = 'x'] AND [process:name = 'y']", []string{"file:hashes.MD5=x"}, false},
		{"[file:hashes.MD5 = 'x'] FOLLOWEDBY [process:size > 1]", []string{"file:hashes.MD5=x"}, false},
		{"[file:hashes.MD5 = 'x'] REPEATS 2 TIMES", []string{"file:hashes.MD5=x"}, false},
		{"[file:hashes.MD5 = 'x'] START t'2020-01-01T00:00:00Z' STOP t'2021-01-01T00:00:00Z'", []string{"file:hashes.MD5=x"}, false},
		{"([file:hashes.MD5 = 'x'] AND [file:hashes.MD5 = 'y']) WITHIN 5 SECONDS", []string{"file:hashes.MD5=x"}, false},
		{"[file:hashes.MD5 = 'x' OR file:size > 5]", nil, false},
		{"[file:hashes.MD5 = 'x'] OR [file:size > 5]", nil, false},
		{"[file:hashes.MD5 != 'x']", nil, false},
		{"[file:hashes.MD5 NOT = 'x']", nil, false},
		{"[file:size = 5]", nil, false},
		{"[file:hashes.MD5 = h'00']", nil, false},
		{"[file:name LIKE 'x%']", nil, false},
		{"[EXISTS file:name]", nil, false},
	}
	for _, c := range cases {
		keys, exact := mustParse(t, c.pattern).IndexKeys()
		var got []string
		for _, k := range keys {
			got = append(got, k.Path.String()+"="+k.Value)
		}
		if !reflect.DeepEqual(got, c.keys) || exact != c.exact {
			t.Errorf("%s\n got  %q exact=%v\n want %q exact=%v", c.pattern, got, exact, c.keys, c.exact)
		}
	}
}

// An exact key set agrees with evaluation; a non-exact one is necessary.
func TestIndexKeysAgreeWithEvaluation(t *testing.T) {
	obs := loadFile(t, "network.json")
	for _, pattern := range []string{
		"[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']",
		"[file:hashes.MD5 = 'nope' OR file:name = 'Final Report 2019.exe']",
		"[ipv4-addr:value IN ('198.51.100.3', '1.1.1.1')]",
		"[email-message:from_ref.value = 'jdoe@example.com']",
		"[domain-name:resolves_to_refs[*].value = '198.51.100.3']",
	} {
		p := mustParse(t, pattern)
		keys, exact := p.IndexKeys()
		if !exact {
			t.Fatalf("%s: not exact", pattern)
		}
		anyKey := false
		for _, k := range keys {
			q := mustParse(t, "["+k.Path.String()+" = "+quoteString(k.Value)+"]")
			_, ok := q.Match(obs)
			anyKey = anyKey || ok
		}
		if _, ok := p.Match(obs); ok != anyKey {
			t.Errorf("%s: match %v, keys say %v", pattern, ok, anyKey)
		}
	}
}

func TestObjectTypesAndPaths(t *testing.T) {
	p := mustParse(t, "[file:name = 'a' AND file:hashes.'SHA-256' = 'b' OR process:name = 'c'] AND [file:name = 'd'] FOLLOWEDBY [EXISTS network-traffic:dst_ref.value]")
	if got := p.ObjectTypes(); !reflect.DeepEqual(got, []string{"file", "network-traffic", "process"}) {
		t.Errorf("ObjectTypes = %q", got)
	}
	var paths []string
	for _, path := range p.Paths() {
		paths = append(paths, path.String())
	}
	if want := "file:name file:hashes.'SHA-256' process:name network-traffic:dst_ref.value"; strings.Join(paths, " ") != want {
		t.Errorf("Paths = %q", paths)
	}
	steps := p.Paths()[1].Steps
	if len(steps) != 2 || steps[1] != (Step{Kind: StepKey, Key: "SHA-256"}) {
		t.Errorf("steps = %+v", steps)
	}
}
