// Package guard turns a panic in a parser of untrusted input into an error,
// so one corrupt file is reported and the scan goes on. Standard library
// only; it imports nothing of ours.
package guard

import (
	"fmt"
	"runtime"
	"strings"
)

// Recover, deferred directly, turns a panic of the function that defers it
// into *errp: "PARSER panicked on INPUT: VALUE (at FUNCTION FILE:LINE)",
// the location being the frame that panicked. Without a panic it does
// nothing.
//
//	func parse(name string, b []byte) (err error) {
//		defer guard.Recover(&err, "plist parser", name)
//		…
//	}
func Recover(errp *error, parser, input string) {
	r := recover()
	if r == nil {
		return
	}
	*errp = &PanicError{Parser: parser, Input: input, Value: r, Frame: panicFrame()}
}

// PanicError is a recovered panic.
type PanicError struct {
	Parser, Input string
	Value         any
	// Frame is the function, file and line that panicked ("" if unknown).
	Frame string
}

func (e *PanicError) Error() string {
	var b strings.Builder
	b.WriteString(e.Parser + " panicked")
	if e.Input != "" {
		b.WriteString(" on " + e.Input)
	}
	fmt.Fprintf(&b, ": %v", e.Value)
	if e.Frame != "" {
		b.WriteString(" (at " + e.Frame + ")")
	}
	return b.String()
}

// Unwrap returns the panic value when it is an error (a runtime error, an
// error a library panicked with).
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// panicFrame finds the first frame below runtime.gopanic that is not the
// runtime's own (an index or nil check panics through runtime helpers).
func panicFrame() string {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	inPanic := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic":
			inPanic = true
		case inPanic && !strings.HasPrefix(f.Function, "runtime."):
			return fmt.Sprintf("%s %s:%d", f.Function, f.File, f.Line)
		}
		if !more {
			return ""
		}
	}
}
