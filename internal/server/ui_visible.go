package server

import (
	"fmt"
	"reflect"

	"github.com/cascade-ir/cascade/internal/visible"
)

// visibleText shows a string from a host or an intel document as its
// characters are, not as they render (see visible.String: a
// right-to-left override becomes "<U+202E>", a byte that is not UTF-8
// "<0xFF>"). The UI passes every path, name and other agent-supplied text
// through it (the template function "vis"; a value of another string type
// is taken as its string, anything else as fmt prints it).
func visibleText(v any) string {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.String {
		return visible.String(rv.String())
	}
	return visible.String(fmt.Sprint(v))
}
