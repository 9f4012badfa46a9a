package main

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// cmdBundleSeal writes APP/Contents/_CodeSignature/CodeResources sealing
// every file under Contents except the main executable (MacOS/MAIN), the
// signature directory and Info.plist, with the rules codesign writes.
func cmdBundleSeal(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: bundle-seal APP MAIN")
	}
	contents := filepath.Join(args[0], "Contents")
	var names []string
	err := filepath.WalkDir(contents, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(contents, p)
		rel = filepath.ToSlash(rel)
		if rel == "MacOS/"+args[1] || rel == "Info.plist" || strings.HasPrefix(rel, "_CodeSignature/") {
			return nil
		}
		names = append(names, rel)
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(names)
	var files, files2 strings.Builder
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(contents, n))
		if err != nil {
			return err
		}
		h1, h2 := sha1.Sum(b), sha256.Sum256(b)
		fmt.Fprintf(&files, "\t\t<key>%s</key>\n\t\t<data>%s</data>\n", n, base64.StdEncoding.EncodeToString(h1[:]))
		fmt.Fprintf(&files2, "\t\t<key>%s</key>\n\t\t<dict>\n\t\t\t<key>hash</key>\n\t\t\t<data>%s</data>\n\t\t\t<key>hash2</key>\n\t\t\t<data>%s</data>\n\t\t</dict>\n",
			n, base64.StdEncoding.EncodeToString(h1[:]), base64.StdEncoding.EncodeToString(h2[:]))
	}
	dir := filepath.Join(contents, "_CodeSignature")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	doc := fmt.Sprintf(codeResources, files.String(), files2.String())
	return os.WriteFile(filepath.Join(dir, "CodeResources"), []byte(doc), 0o644)
}

const codeResources = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>files</key>
	<dict>
%s	</dict>
	<key>files2</key>
	<dict>
%s	</dict>
	<key>rules</key>
	<dict>
		<key>^Resources/</key>
		<true/>
		<key>^Resources/.*\.lproj/</key>
		<dict>
			<key>optional</key>
			<true/>
			<key>weight</key>
			<real>1000</real>
		</dict>
		<key>^version.plist$</key>
		<true/>
	</dict>
	<key>rules2</key>
	<dict>
		<key>.*\.dSYM($|/)</key>
		<dict>
			<key>weight</key>
			<real>11</real>
		</dict>
		<key>^(.*/)?\.DS_Store$</key>
		<dict>
			<key>omit</key>
			<true/>
			<key>weight</key>
			<real>2000</real>
		</dict>
		<key>^(Frameworks|SharedFrameworks|PlugIns|Plug-ins|XPCServices|Helpers|MacOS|Library/(Automator|Spotlight|LoginItems))/</key>
		<dict>
			<key>nested</key>
			<true/>
			<key>weight</key>
			<real>10</real>
		</dict>
		<key>^.*</key>
		<true/>
		<key>^Info\.plist$</key>
		<dict>
			<key>omit</key>
			<true/>
			<key>weight</key>
			<real>20</real>
		</dict>
		<key>^PkgInfo$</key>
		<dict>
			<key>omit</key>
			<true/>
			<key>weight</key>
			<real>20</real>
		</dict>
		<key>^Resources/</key>
		<dict>
			<key>weight</key>
			<real>20</real>
		</dict>
		<key>^Resources/.*\.lproj/</key>
		<dict>
			<key>optional</key>
			<true/>
			<key>weight</key>
			<real>1000</real>
		</dict>
		<key>^[^/]+$</key>
		<dict>
			<key>nested</key>
			<true/>
			<key>weight</key>
			<real>10</real>
		</dict>
	</dict>
</dict>
</plist>
`
