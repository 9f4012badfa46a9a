package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestYaraCommand(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.yar", "rule hit : t { meta: score = 80 strings: $a = \"needle\" condition: $a }\nrule miss { condition: filesize > 1MB }\n")
	ext := write("ext.yar", "rule ext { condition: flag and name == \"x\" and n > 2 and r > 1.5 }\n")
	bad := write("bad.yar", "rule a {\n  condition: nosuch\n}\n")
	data := write("data", "hay needle hay")
	tests := []struct {
		name string
		args []string
		code int
		out  string // expected stdout, or a substring of stderr when code != 0
	}{
		{"match", []string{good, data}, 0, "hit " + data + "\n"},
		{"strings and tags", []string{"-sg", good, data}, 0, "hit [t] " + data + "\n0x4:$a: needle\n"},
		{"long flags", []string{"--print-meta", "--print-namespace", good, data}, 0, "default:hit [score =80] " + data + "\n"},
		{"defines", []string{"-d", "flag=true", "-d", "name=x", "-d", "n=3", "--define=r=2.5", ext, data}, 0, "ext " + data + "\n"},
		{"undefined external", []string{ext, data}, 1, `undefined identifier "flag"`},
		{"count", []string{"-c", good, data}, 0, "1\n"},
		{"negate", []string{"-n", good, data}, 0, "miss " + data + "\n"},
		{"identifier filter", []string{"-i", "miss", good, data}, 0, ""},
		{"tag filter", []string{"-t", "t", "-n", good, data}, 0, ""},
		{"compile error", []string{bad, data}, 1, `error: rule "a" in ` + bad + `(2): undefined identifier "nosuch"`},
		{"missing target", []string{good, filepath.Join(dir, "nope")}, 1, "error scanning"},
		{"missing rules", []string{filepath.Join(dir, "nope.yar"), data}, 1, "nope.yar"},
		{"no target", []string{good}, 2, "want RULES_FILE"},
		{"bad threads", []string{"-p", "zero", good, data}, 2, "invalid thread count"},
		{"unknown flag", []string{"-Q", good, data}, 2, "unknown option"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, append([]string{"yara"}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errOut)
			}
			if tt.code == 0 && out != tt.out {
				t.Errorf("stdout %q, want %q", out, tt.out)
			}
			if tt.code != 0 && !strings.Contains(errOut, tt.out) {
				t.Errorf("stderr %q, want it to contain %q", errOut, tt.out)
			}
		})
	}
}
