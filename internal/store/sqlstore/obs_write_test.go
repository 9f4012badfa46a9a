package sqlstore

import (
	"slices"
	"testing"
)

func TestByDigest(t *testing.T) {
	row := func(name string, prefix any) obsRow {
		vals := make([]any, len(fileT.cols))
		vals[0], vals[sha256Col] = name, prefix
		return obsRow{vals: vals}
	}
	in := []obsRow{row("c", int64(3)), row("none", nil), row("a", int64(-7)), row("b", int64(3)), row("d", int64(1))}
	var got []string
	for _, r := range byDigest(in) {
		got = append(got, r.vals[0].(string))
	}
	// By prefix, no digest as 0, equal prefixes in their order.
	if want := []string{"a", "none", "d", "c", "b"}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	if in[0].vals[0] != "c" {
		t.Error("byDigest reordered its caller's rows")
	}
}
