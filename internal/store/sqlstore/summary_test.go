package sqlstore

import (
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"
)

// summaryProbe drives a summaryCache[int] whose fill counts its calls and
// can be held in flight.
type summaryProbe struct {
	t       *testing.T
	c       *summaryCache[int]
	mu      sync.Mutex
	w       writeCounts
	fills   int
	fail    bool
	hold    chan struct{} // when set, the next fill waits for it to close
	started chan struct{} // and first says so here
}

func (p *summaryProbe) fill() (int, error) {
	p.mu.Lock()
	hold, started := p.hold, p.started
	p.hold, p.started = nil, nil
	p.mu.Unlock()
	if hold != nil {
		started <- struct{}{}
		<-hold
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail {
		return 0, errors.New("database gone")
	}
	p.fills++
	return p.fills, nil
}

func (p *summaryProbe) counts() writeCounts {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.w
}

func (p *summaryProbe) write(hard bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if hard {
		p.w.hard++
	} else {
		p.w.soft++
	}
}

func (p *summaryProbe) get(key string) (int, error) { return p.c.get(key, p.counts, p.fill) }

func (p *summaryProbe) want(name string, want int) {
	p.t.Helper()
	if got, err := p.get("k"); err != nil || got != want {
		p.t.Fatalf("%s: got %d (%v), want %d", name, got, err, want)
	}
}

type summaryResult struct {
	v   int
	err error
}

// goGet runs a get in a goroutine.
func (p *summaryProbe) goGet() chan summaryResult {
	done := make(chan summaryResult, 1)
	go func() { v, err := p.get("k"); done <- summaryResult{v, err} }()
	return done
}

// heldGet starts a get whose fill is held until release is called.
func (p *summaryProbe) heldGet() (done chan summaryResult, release func()) {
	hold, started := make(chan struct{}), make(chan struct{})
	p.mu.Lock()
	p.hold, p.started = hold, started
	p.mu.Unlock()
	done = p.goGet()
	<-started
	return done, func() { close(hold) }
}

func TestSummaryCacheSequential(t *testing.T) {
	p := &summaryProbe{t: t, c: &summaryCache[int]{maxAge: 80 * time.Millisecond}}
	steps := []struct {
		name  string
		setup func()
		want  int
	}{
		{"first read computes", func() {}, 1},
		{"no write since: cached", func() {}, 1},
		{"an analyst's change: computed again", func() { p.write(true) }, 2},
		{"an upload: the next caller computes it again", func() { p.write(false) }, 3},
		{"then cached", func() {}, 3},
		{"past half the maximum age: computed again", func() { time.Sleep(50 * time.Millisecond) }, 4},
		{"then cached", func() {}, 4},
		{"past the maximum age: computed again", func() { time.Sleep(90 * time.Millisecond) }, 5},
	}
	for _, s := range steps {
		s.setup()
		p.want(s.name, s.want)
	}
	p.write(true)
	p.fail = true
	if _, err := p.get("k"); err == nil {
		t.Fatal("a failed computation returned the previous summary without an error")
	}
	p.fail = false
	p.want("after a failed computation", 6)
	if v, _ := p.get("other"); v != 7 {
		t.Fatalf("another key: %d, want its own computation (7)", v)
	}
}

// TestSummaryCacheInFlight: while one caller computes a summary again
// after background writes, the others are served the previous one at
// once; after an analyst's change they wait for one computed after it.
func TestSummaryCacheInFlight(t *testing.T) {
	p := &summaryProbe{t: t, c: &summaryCache[int]{maxAge: time.Minute}}
	p.want("first", 1)

	p.write(false)
	done, release := p.heldGet()
	if v, err := p.get("k"); err != nil || v != 1 {
		t.Fatalf("during a computation after an upload: %d (%v), want the previous summary (1) at once", v, err)
	}
	release()
	if r := <-done; r.err != nil || r.v != 2 {
		t.Fatalf("the computing caller: %d (%v), want 2", r.v, r.err)
	}
	p.want("after it", 2)

	p.write(false)
	done, release = p.heldGet() // computing, with the counts read before the change below
	p.write(true)               // a triage commits meanwhile
	waiter := p.goGet()
	select {
	case r := <-waiter:
		t.Fatalf("after an analyst's change a caller was served %d without waiting", r.v)
	case <-time.After(50 * time.Millisecond):
	}
	release()
	if r := <-done; r.v != 3 {
		t.Fatalf("the computing caller: %d, want 3", r.v)
	}
	if r := <-waiter; r.err != nil || r.v != 4 {
		t.Fatalf("after an analyst's change: %d (%v), want a summary computed after it (4)", r.v, r.err)
	}
}

func TestSummaryCacheSize(t *testing.T) {
	p := &summaryProbe{t: t, c: &summaryCache[int]{size: 16}}
	for i := range 40 {
		p.get(strconv.Itoa(i))
	}
	if len(p.c.m) > 16 {
		t.Fatalf("%d summaries kept, at most 16", len(p.c.m))
	}
}
