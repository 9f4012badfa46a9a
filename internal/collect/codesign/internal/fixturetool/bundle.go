package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/machosign"
)

// cmdBundleSeal writes APP/Contents/_CodeSignature/CodeResources sealing
// every file under Contents except the main executable (MacOS/MAIN), the
// signature directory and Info.plist.
func cmdBundleSeal(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: bundle-seal APP MAIN")
	}
	contents := filepath.Join(args[0], "Contents")
	files := map[string][]byte{}
	err := filepath.WalkDir(contents, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(contents, p)
		rel = filepath.ToSlash(rel)
		if rel == "MacOS/"+args[1] || rel == "Info.plist" || strings.HasPrefix(rel, "_CodeSignature/") {
			return nil
		}
		files[rel], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		return err
	}
	dir := filepath.Join(contents, "_CodeSignature")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "CodeResources"), machosign.CodeResources(files), 0o644)
}
