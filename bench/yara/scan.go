package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// yaraPairs reads cascade scan's JSON Lines findings and returns the
// "RULE PATH" pairs of the YARA reasons from the rule file (whose
// namespace is its indicator, yara-file:ABSPATH); the built-in packs'
// rules are counted apart and printed.
func yaraPairs(jsonl, rulesFile string) map[string]bool {
	abs, _ := filepath.Abs(rulesFile)
	ns := "yara-file:" + abs + ":"
	pairs := map[string]bool{}
	builtin := 0
	for _, line := range strings.Split(jsonl, "\n") {
		var f struct {
			Evidence struct{ Path string }
			Reasons  []struct{ Kind, Matched string }
		}
		if json.Unmarshal([]byte(line), &f) != nil {
			continue
		}
		for _, r := range f.Reasons {
			if r.Kind != "yara" {
				continue
			}
			head, _, _ := strings.Cut(r.Matched, " ")
			if rule, ok := strings.CutPrefix(head, ns); ok {
				pairs[rule+" "+f.Evidence.Path] = true
			} else {
				builtin++
				fmt.Println("  built-in rule matched:", head, f.Evidence.Path)
			}
		}
	}
	fmt.Printf("cascade scan: %d matches of the rule file, %d of the built-in packs' rules\n", len(pairs), builtin)
	return pairs
}

// compareScan checks that cascade scan found what cascade yara printed,
// leaving out paths through symbolic links (the sweep records a link, it
// does not follow it).
func compareScan(yaraOut string, scan map[string]bool) {
	want := map[string]bool{}
	links := 0
	for _, l := range strings.Split(strings.TrimSpace(yaraOut), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		if throughLink(f[len(f)-1]) {
			links++
			continue
		}
		want[l] = true
	}
	missing, extra := 0, 0
	for l := range want {
		if !scan[l] {
			if missing < 5 {
				fmt.Println("  cascade yara only:", l)
			}
			missing++
		}
	}
	for l := range scan {
		if !want[l] {
			if extra < 5 {
				fmt.Println("  cascade scan only:", l)
			}
			extra++
		}
	}
	fmt.Printf("scan vs yara command: %d pairs agree, %d only in cascade yara, %d only in cascade scan (%d lines through links left out)\n",
		len(want)-missing, missing, extra, links)
}

func throughLink(path string) bool {
	for p := path; p != "/" && p != "."; p = filepath.Dir(p) {
		if st, err := os.Lstat(p); err == nil && st.Mode()&os.ModeSymlink != 0 {
			return true
		}
	}
	return false
}
