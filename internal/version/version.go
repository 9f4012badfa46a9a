// Package version compares software versions the way package ecosystems
// do, and reduces a packaged version (Debian, RPM, Alpine) to the upstream
// version that advisories speak of.
package version

import "strings"

// Upstream returns the upstream part of a version in an ecosystem:
//
//	dpkg  [epoch:]upstream[-revision]; "X+reallyY" means Y (Debian's
//	      convention for a downgrade under a higher version number)
//	rpm   [epoch:]version[-release]
//	apk   version[-rN]
//
// Other ecosystems' versions are returned trimmed.
func Upstream(ecosystem, v string) string {
	v = strings.TrimSpace(v)
	switch ecosystem {
	case "dpkg":
		v = stripEpoch(v)
		if i := strings.LastIndexByte(v, '-'); i > 0 {
			v = v[:i]
		}
		if i := strings.Index(v, "+really"); i >= 0 {
			v = v[i+len("+really"):]
		}
	case "rpm":
		v = stripEpoch(v)
		if i := strings.LastIndexByte(v, '-'); i > 0 {
			v = v[:i]
		}
	case "apk":
		if i := strings.LastIndex(v, "-r"); i > 0 && isDigits(v[i+2:]) {
			v = v[:i]
		}
	}
	return v
}

func stripEpoch(v string) string {
	if i := strings.IndexByte(v, ':'); i > 0 && isDigits(v[:i]) {
		return v[i+1:]
	}
	return v
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Equal reports whether two versions are the same version, ignoring
// trailing ".0" components ("18.12.416" equals "18.12.416.0", "1" equals
// "1.0") and a leading "v".
func Equal(a, b string) bool { return Compare(a, b) == 0 }

// Compare orders two upstream versions with the dpkg algorithm (digit runs
// compare as numbers, letters sort before other characters, '~' before
// anything, even the end), after dropping a leading "v" and trailing ".0"
// components, so "1", "1.0" and "1.0.0" are one version. It returns -1, 0
// or +1.
func Compare(a, b string) int { return compare(norm(a), norm(b)) }

// CompareIn orders two versions of one ecosystem, as Compare does, except
// where the ecosystem says otherwise. What "equal" means per ecosystem:
//
//	dpkg, rpm, apk  the package manager's own rule: every component
//	                counts, so "1" < "1.0" and "5.6" < "5.6.0"
//	                (dpkg --compare-versions, rpm.vercmp and apk version
//	                agree); only a leading "v" is dropped
//	anything else   Windows DisplayVersion, macOS bundle versions, npm,
//	                PyPI (PEP 440 pads the release with zeros), SBOMs:
//	                trailing ".0" components do not count, "1" = "1.0"
func CompareIn(ecosystem, a, b string) int {
	if Packaged(ecosystem) {
		return compare(trimV(a), trimV(b))
	}
	return Compare(a, b)
}

// EqualIn reports whether two versions of one ecosystem are the same
// version (see CompareIn).
func EqualIn(ecosystem, a, b string) bool { return CompareIn(ecosystem, a, b) == 0 }

// Packaged reports whether the ecosystem is a Linux package manager whose
// version order counts every component.
func Packaged(ecosystem string) bool {
	switch ecosystem {
	case "dpkg", "rpm", "apk":
		return true
	}
	return false
}

func compare(a, b string) int {
	for a != "" || b != "" {
		var an, bn string
		an, a = span(a, false)
		bn, b = span(b, false)
		if c := compareNonDigits(an, bn); c != 0 {
			return c
		}
		an, a = span(a, true)
		bn, b = span(b, true)
		if c := compareDigits(an, bn); c != 0 {
			return c
		}
	}
	return 0
}

func trimV(v string) string {
	v = strings.TrimSpace(v)
	if len(v) > 1 && (v[0] == 'v' || v[0] == 'V') && v[1] >= '0' && v[1] <= '9' {
		v = v[1:]
	}
	return v
}

// norm drops a leading "v" and the trailing zero components of the
// release part (before any '~' pre-release suffix).
func norm(v string) string {
	v = trimV(v)
	if i := strings.IndexByte(v, '~'); i >= 0 {
		return dropZeros(v[:i]) + v[i:]
	}
	return dropZeros(v)
}

func dropZeros(v string) string {
	for {
		i := strings.LastIndexByte(v, '.')
		if i < 1 || !isDigits(v[i-1:i]) || strings.Trim(v[i+1:], "0") != "" || i == len(v)-1 {
			return v
		}
		v = v[:i]
	}
}

// span splits off the leading run of digits (or non-digits).
func span(s string, digits bool) (string, string) {
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9') == digits {
		i++
	}
	return s[:i], s[i:]
}

func compareDigits(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return sign(len(a) - len(b))
	}
	return strings.Compare(a, b)
}

// compareNonDigits uses dpkg's character order: '~' < end < letters < others.
func compareNonDigits(a, b string) int {
	for i := 0; i < len(a) || i < len(b); i++ {
		if c := sign(order(a, i) - order(b, i)); c != 0 {
			return c
		}
	}
	return 0
}

func order(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	c := s[i]
	switch {
	case c == '~':
		return -1
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		return int(c)
	}
	return int(c) + 256
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
