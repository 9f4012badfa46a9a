package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLeavesTree(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "tree")
	for _, d := range []string{"tree/a", "tree/b", "outside"} {
		if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"tree/a/f", "outside/g"} {
		if err := os.WriteFile(filepath.Join(base, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"tree/b/in":     "../a/f",                           // climbs out of b, stays in the tree
		"tree/b/out":    "../../outside/g",                  // leaves the tree
		"tree/b/abs":    filepath.Join(base, "tree", "a/f"), // absolute, even if inside
		"tree/b/broken": "nothing",
	}
	for l, target := range links {
		if err := os.Symlink(target, filepath.Join(base, l)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		path string
		want bool
	}{
		{"a/f", false},
		{"b/in", false},
		{"b/out", true},
		{"b/abs", true},
		{"b/broken", true},
	}
	for _, tt := range tests {
		if got := leavesTree(filepath.Join(root, tt.path), root, root); got != tt.want {
			t.Errorf("leavesTree(%s) = %t, want %t", tt.path, got, tt.want)
		}
	}
	out, n := dropOutOfTree("r1 "+filepath.Join(root, "b/in")+"\nr1 "+filepath.Join(root, "b/out")+"\n", root)
	if n != 1 || out != "r1 "+filepath.Join(root, "b/in")+"\n" {
		t.Errorf("dropOutOfTree = %q, %d", out, n)
	}
}
