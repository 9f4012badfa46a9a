package collect

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

type testKey string

func TestSharedOutsideAScopeLoadsEveryTime(t *testing.T) {
	var loads int
	for range 3 {
		v, err := Shared(context.Background(), testKey("k"), func() (int, error) { loads++; return loads, nil })
		if err != nil || v != loads {
			t.Fatalf("Shared = %d, %v after %d loads", v, err, loads)
		}
	}
	if loads != 3 {
		t.Errorf("loads = %d, want 3", loads)
	}
}

func TestSharedInAScopeLoadsOncePerKey(t *testing.T) {
	ctx := WithSharedScope(context.Background())
	var loads atomic.Int32
	boom := errors.New("boom")
	load := func(v string, err error) func() (*string, error) {
		return func() (*string, error) { loads.Add(1); return &v, err }
	}
	var wg sync.WaitGroup
	got := make([]*string, 16)
	for i := range got {
		wg.Go(func() {
			p, err := Shared(ctx, testKey("a"), load("a", nil))
			if err != nil {
				t.Error(err)
			}
			got[i] = p
		})
	}
	wg.Wait()
	for _, p := range got[1:] {
		if p != got[0] {
			t.Fatal("callers in one scope got different values")
		}
	}
	for range 2 { // an error is shared too
		if _, err := Shared(ctx, testKey("b"), load("b", boom)); !errors.Is(err, boom) {
			t.Fatalf("err = %v, want boom", err)
		}
	}
	if n := loads.Load(); n != 2 {
		t.Errorf("loads = %d, want 2 (one per key)", n)
	}
	if _, err := Shared(WithSharedScope(context.Background()), testKey("a"), load("a", nil)); err != nil || loads.Load() != 3 {
		t.Errorf("a new scope reused the old one's value (loads %d, err %v)", loads.Load(), err)
	}
}

func TestSharedAfterAPanicReportsAnError(t *testing.T) {
	ctx := WithSharedScope(context.Background())
	func() {
		defer func() { _ = recover() }()
		Shared(ctx, testKey("p"), func() (int, error) { panic("hostile input") })
	}()
	v, err := Shared(ctx, testKey("p"), func() (int, error) { return 1, nil })
	if v != 0 || err == nil || !strings.Contains(err.Error(), "panic") {
		t.Errorf("after a panic: %d, %v", v, err)
	}
}

// sharingCollector wants every file and reads it through Shared.
type sharingCollector struct {
	name  string
	loads *atomic.Int32
	calls atomic.Int32
}

func (s *sharingCollector) Name() string                    { return s.name }
func (s *sharingCollector) WantsPath(_ *Env, _ string) bool { return true }
func (s *sharingCollector) CollectPath(ctx context.Context, env *Env, rel string, sink Sink) error {
	s.calls.Add(1)
	_, err := Shared(ctx, testKey(rel), func() (string, error) { s.loads.Add(1); return rel, nil })
	return err
}

// TestEngineSharesOneParsePerFile: the path collectors offered one file
// share one Shared value, and the next file gets a new one.
func TestEngineSharesOneParsePerFile(t *testing.T) {
	root := t.TempDir()
	for _, n := range []string{"a", "b", "c"} {
		write(t, root, n, n)
	}
	var loads atomic.Int32
	cs := []*sharingCollector{{name: "one", loads: &loads}, {name: "two", loads: &loads}, {name: "three", loads: &loads}}
	snap := collectDir(t, root, Options{PathCollectors: []PathCollector{cs[0], cs[1], cs[2]}})
	if len(snap.Errors) != 0 {
		t.Fatalf("errors: %+v", snap.Errors)
	}
	for _, c := range cs {
		if c.calls.Load() != 3 {
			t.Errorf("%s called %d times, want 3", c.name, c.calls.Load())
		}
	}
	if loads.Load() != 3 {
		t.Errorf("loads = %d, want 3 (one per file, shared by the three collectors)", loads.Load())
	}
}
