package live

import "strings"

// relOf turns a path the OS reports into one relative to the scanned
// root, whose own path is root (env.Display("")): "/" or "C:\" for the
// whole machine, a directory when a directory of it is scanned. A path
// outside the root has none. Windows paths compare without case.
func relOf(root, p string, windows bool) (string, bool) {
	sep := "/"
	if windows {
		sep = `\`
	}
	if !strings.HasSuffix(root, sep) {
		root += sep
	}
	if len(p) <= len(root) {
		return "", false
	}
	if head := p[:len(root)]; head != root && !(windows && strings.EqualFold(head, root)) {
		return "", false
	}
	rel := p[len(root):]
	if windows {
		rel = strings.ReplaceAll(rel, `\`, "/")
	}
	for _, part := range strings.Split(rel, "/") {
		if part == "" || part == "." || part == ".." {
			return "", false
		}
	}
	return rel, true
}
