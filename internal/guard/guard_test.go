package guard

import (
	"errors"
	"runtime"
	"strings"
	"testing"
)

func parseIndex(b []byte) (n int, err error) {
	defer Recover(&err, "test parser", "input.bin")
	return int(b[len(b)]), nil // index out of range
}

func parseNil(m map[string]*int) (err error) {
	defer Recover(&err, "nil parser", "")
	_ = *m["x"]
	return nil
}

func parseExplicit() (err error) {
	defer Recover(&err, "explicit parser", "x.plist")
	panic("bad nesting")
}

func parseFine() (err error) {
	defer Recover(&err, "fine parser", "ok")
	return errors.New("an ordinary error")
}

func TestRecover(t *testing.T) {
	_, err := parseIndex([]byte{1, 2})
	var pe *PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("index panic: %v", err)
	}
	var re runtime.Error
	if !errors.As(err, &re) {
		t.Errorf("runtime error not unwrapped: %v", err)
	}
	tests := []struct {
		err  error
		want []string
	}{
		{err, []string{"test parser panicked on input.bin: runtime error: index out of range", "(at ", "guard.parseIndex ", "guard_test.go:12)"}},
		{parseNil(nil), []string{"nil parser panicked: runtime error: invalid memory address", "guard.parseNil ", "guard_test.go:17)"}},
		{parseExplicit(), []string{"explicit parser panicked on x.plist: bad nesting (at ", "guard.parseExplicit ", "guard_test.go:23)"}},
	}
	for _, tt := range tests {
		for _, w := range tt.want {
			if tt.err == nil || !strings.Contains(tt.err.Error(), w) {
				t.Errorf("error %v: want %q in it", tt.err, w)
			}
		}
	}
	if err := parseFine(); err == nil || err.Error() != "an ordinary error" {
		t.Errorf("no panic: %v", err)
	}
}
