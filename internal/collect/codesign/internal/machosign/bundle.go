package machosign

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html"
	"regexp"
	"sort"
	"strings"
)

var lproj = regexp.MustCompile(`^Resources/.*\.lproj/`)

// CodeResources writes a _CodeSignature/CodeResources sealing files (paths
// relative to Contents) with the rules codesign writes.
func CodeResources(files map[string][]byte) []byte {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var v1, v2 strings.Builder
	b64 := base64.StdEncoding.EncodeToString
	for _, n := range names {
		h1, h2 := sha1.Sum(files[n]), sha256.Sum256(files[n])
		k := html.EscapeString(n)
		fmt.Fprintf(&v1, "\t\t<key>%s</key>\n\t\t<data>%s</data>\n", k, b64(h1[:]))
		opt := ""
		if lproj.MatchString(n) { // codesign marks localizations optional
			opt = "\t\t\t<key>optional</key>\n\t\t\t<true/>\n"
		}
		fmt.Fprintf(&v2, "\t\t<key>%s</key>\n\t\t<dict>\n\t\t\t<key>hash</key>\n\t\t\t<data>%s</data>\n\t\t\t<key>hash2</key>\n\t\t\t<data>%s</data>\n%s\t\t</dict>\n",
			k, b64(h1[:]), b64(h2[:]), opt)
	}
	return []byte(fmt.Sprintf(codeResources, v1.String(), v2.String()))
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
