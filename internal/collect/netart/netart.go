// Package netart collects artifacts that prove network contact or a
// download: hosts-file mappings and browser history and downloads (Chrome,
// Edge, Brave, Chromium, Firefox). Every file it reads is treated as
// hostile; browser databases are read from private copies only.
package netart

import "github.com/cascade-ir/cascade/internal/collect"

// Collectors returns the package's collectors with default bounds.
func Collectors() []collect.PathCollector {
	return []collect.PathCollector{NewHosts(), NewBrowser(BrowserOptions{}), NewQuarantine(BrowserOptions{}), NewZone()}
}
