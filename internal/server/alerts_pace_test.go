package server

import (
	"context"
	"testing"
	"time"
)

// TestIngestTracker: the worker's wait returns at once with no ingest in
// flight, returns when the last of several ingests ends (not the first),
// and gives up after its bound while ingest goes on.
func TestIngestTracker(t *testing.T) {
	var tr ingestTracker
	if tr.busy() || tr.wait(bg, time.Hour) {
		t.Fatal("idle tracker is busy or waited")
	}
	end1, end2 := tr.enter(), tr.enter()
	if !tr.busy() {
		t.Fatal("not busy with two ingests in flight")
	}
	done := make(chan struct{})
	go func() { defer close(done); tr.wait(bg, time.Hour) }()
	end1()
	end1() // ending twice counts once
	select {
	case <-done:
		t.Fatal("wait returned with an ingest still in flight")
	case <-time.After(20 * time.Millisecond):
	}
	end2()
	<-done
	if tr.busy() {
		t.Fatal("busy after every ingest ended")
	}
	end3 := tr.enter()
	defer end3()
	start := time.Now()
	if !tr.wait(bg, 10*time.Millisecond) || time.Since(start) < 10*time.Millisecond {
		t.Error("wait did not wait its bound while ingest went on")
	}
	ctx, cancel := context.WithCancel(bg)
	cancel()
	if !tr.wait(ctx, time.Hour) {
		t.Error("wait with a cancelled context reported no wait")
	}
}
