package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

func testSavedTraces(t *testing.T, h Harness) {
	s := fresh(t, h)
	req := fleet.TraceRequest{Seeds: []fleet.TraceSeed{{Node: "release:x_trader@7.17.90p608", Time: "2022-02-01"}},
		MaxDepth: 4, Exclude: []string{"depends-on"}, Skew: "5m"}
	tr, err := s.SaveTrace(ctx, fleet.SavedTrace{Name: "3cx", Request: req, By: "alice", Created: day(0), PublishTo: "coll-1"})
	if err != nil || tr.ID == 0 || tr.Version != 0 {
		t.Fatalf("save: %+v %v", tr, err)
	}
	_, err = s.SaveTrace(ctx, fleet.SavedTrace{Name: "3cx", Request: req, Created: day(0)})
	wantErr(t, err, store.ErrExists)
	other, err := s.SaveTrace(ctx, fleet.SavedTrace{Name: "2-other", Request: fleet.TraceRequest{Backwards: true,
		Seeds: []fleet.TraceSeed{{Node: "host:a"}}}, Created: day(1)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.SavedTrace(ctx, tr.ID)
	if err != nil || !reflect.DeepEqual(got.Request, req) || got.By != "alice" || got.PublishTo != "coll-1" || !got.Created.Equal(day(0)) {
		t.Fatalf("read back: %+v %v", got, err)
	}
	_, err = s.SavedTrace(ctx, 999)
	wantErr(t, err, store.ErrNotFound)
	all, _ := s.SavedTraces(ctx)
	if len(all) != 2 || all[0].Name != "2-other" || all[1].Name != "3cx" || all[0].PublishTo != "" || all[1].PublishTo != "coll-1" {
		t.Fatalf("list by name: %+v", all)
	}

	v1 := fleet.TraceVersion{TraceID: tr.ID, Version: 1, At: day(2), Reason: "saved",
		Result: fleet.TraceSummary{Nodes: []fleet.TraceNode{{ID: "host:dev-pc-07", Kind: "host", Time: day(1), Confidence: 1, HostID: 3}},
			Watch: []int64{3, 4}, Incidents: []string{"3cx"}}}
	if err := s.AddTraceVersion(ctx, v1); err != nil {
		t.Fatal(err)
	}
	// The same version again (another replica's computation) conflicts;
	// a gap is refused too.
	wantErr(t, s.AddTraceVersion(ctx, v1), store.ErrConflict)
	wantErr(t, s.AddTraceVersion(ctx, fleet.TraceVersion{TraceID: tr.ID, Version: 3, At: day(2)}), store.ErrConflict)
	wantErr(t, s.AddTraceVersion(ctx, fleet.TraceVersion{TraceID: 999, Version: 1, At: day(2)}), store.ErrNotFound)
	v2 := fleet.TraceVersion{TraceID: tr.ID, Version: 2, At: day(3), Reason: "finding f1 on host dev-pc-08",
		Result:  fleet.TraceSummary{Nodes: append(v1.Result.Nodes, fleet.TraceNode{ID: "host:dev-pc-08", Kind: "host", Time: day(2), Confidence: 1})},
		Changes: &fleet.TraceChanges{From: 1, Added: []fleet.TraceNode{{ID: "host:dev-pc-08", Kind: "host", Time: day(2), Confidence: 1}}}}
	if err := s.AddTraceVersion(ctx, v2); err != nil {
		t.Fatal(err)
	}
	vs, err := s.TraceVersions(ctx, tr.ID, 10)
	if err != nil || len(vs) != 2 || vs[0].Version != 2 || vs[1].Version != 1 {
		t.Fatalf("versions: %+v %v", vs, err)
	}
	if !reflect.DeepEqual(vs[1].Result, v1.Result) || vs[1].Changes != nil || !vs[0].At.Equal(day(3)) ||
		!reflect.DeepEqual(vs[0].Changes, v2.Changes) || vs[0].Reason != v2.Reason {
		t.Fatalf("versions read back:\n%+v\nwant\n%+v\n%+v", vs, v2, v1)
	}
	if got, _ := s.SavedTrace(ctx, tr.ID); got.Version != 2 || !got.Updated.Equal(day(3)) {
		t.Fatalf("trace after two versions: %+v", got)
	}
	if vs, _ := s.TraceVersions(ctx, other.ID, 10); len(vs) != 0 {
		t.Fatalf("other trace has versions: %+v", vs)
	}

	// Concurrent computations of the same version: exactly one lands.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.AddTraceVersion(ctx, fleet.TraceVersion{TraceID: tr.ID, Version: 3, At: day(4), Reason: fmt.Sprint("replica ", i)})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("concurrent version: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d computations of version 3 stored, want 1: %v", won, errs)
	}

	// Only the newest KeepTraceVersions are kept.
	for v := int64(4); v <= store.KeepTraceVersions+5; v++ {
		if err := s.AddTraceVersion(ctx, fleet.TraceVersion{TraceID: tr.ID, Version: v, At: day(int(v))}); err != nil {
			t.Fatal(err)
		}
	}
	vs, _ = s.TraceVersions(ctx, tr.ID, 1000)
	if len(vs) != store.KeepTraceVersions || vs[0].Version != store.KeepTraceVersions+5 {
		t.Fatalf("kept %d versions, newest %d", len(vs), vs[0].Version)
	}

	if err := s.DeleteSavedTrace(ctx, tr.ID); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.DeleteSavedTrace(ctx, tr.ID), store.ErrNotFound)
	if vs, _ := s.TraceVersions(ctx, tr.ID, 10); len(vs) != 0 {
		t.Fatalf("versions outlive their trace: %d", len(vs))
	}
	// The name is free again.
	if _, err := s.SaveTrace(ctx, fleet.SavedTrace{Name: "3cx", Request: req, Created: day(5)}); err != nil {
		t.Fatal(err)
	}
}

func testTraceInputs(t *testing.T, h Harness) {
	s := fresh(t, h)
	csv := []byte("from,to,kind,valid_from\nhost:a,host:b,reaches,2023-01-01\n")
	in, err := s.AddTraceInput(ctx, fleet.TraceInput{Kind: fleet.InputDeclared, Name: "admin.csv", Content: csv, By: "alice", Created: day(0)})
	if err != nil || in.ID == 0 || in.Size != len(csv) || in.SHA256 != digest(string(csv)) {
		t.Fatalf("add: %+v %v", in, err)
	}
	_, err = s.AddTraceInput(ctx, fleet.TraceInput{Kind: fleet.InputDeclared, Name: "admin.csv", Content: []byte("x"), Created: day(0)})
	wantErr(t, err, store.ErrExists)
	// The same name of another kind is another input.
	bin := []byte{0, 1, 2, 0xff}
	other, err := s.AddTraceInput(ctx, fleet.TraceInput{Kind: fleet.InputDeliveries, Name: "admin.csv", Content: bin, Created: day(1)})
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.TraceInputs(ctx, false)
	if err != nil || len(list) != 2 || list[0].ID != in.ID || list[0].Content != nil || list[1].Size != 4 || list[0].By != "alice" || !list[1].Created.Equal(day(1)) {
		t.Fatalf("list: %+v %v", list, err)
	}
	full, err := s.TraceInputs(ctx, true)
	if err != nil || string(full[0].Content) != string(csv) || string(full[1].Content) != string(bin) {
		t.Fatalf("with content: %+v %v", full, err)
	}
	if err := s.DeleteTraceInput(ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.DeleteTraceInput(ctx, other.ID), store.ErrNotFound)
	if list, _ := s.TraceInputs(ctx, false); len(list) != 1 {
		t.Fatalf("after delete: %+v", list)
	}
}

// testTraceRecomputes checks the retro-trace's durable queue: entries
// merge per trace, keep their first enqueue time, list oldest first, and
// are removed only by the generation that was read.
func testTraceRecomputes(t *testing.T, h Harness) {
	s := fresh(t, h)
	a, err := s.SaveTrace(ctx, fleet.SavedTrace{Name: "a", Created: day(0)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.SaveTrace(ctx, fleet.SavedTrace{Name: "b", Created: day(0)})
	if err != nil {
		t.Fatal(err)
	}
	if qs, err := s.TraceRecomputes(ctx); err != nil || len(qs) != 0 {
		t.Fatalf("empty queue: %+v %v", qs, err)
	}
	wantErr(t, s.QueueTraceRecompute(ctx, store.TraceRecompute{TraceID: 999, Reason: "x", Enqueued: day(1), Updated: day(1)}), store.ErrNotFound)
	for _, q := range []store.TraceRecompute{
		{TraceID: b.ID, Reason: "finding f1 on host h1", Findings: []string{"f1"}, Enqueued: day(2), Updated: day(2)},
		{TraceID: a.ID, Reason: "finding f2 on host h2", Findings: []string{"f2"}, Enqueued: day(3), Updated: day(3)},
		{TraceID: b.ID, Reason: "finding f3 on host h3", Findings: []string{"f3", "f1"}, Enqueued: day(4), Updated: day(4)},
		{TraceID: b.ID, Reason: "finding f3 on host h3", Findings: []string{"f3"}, Enqueued: day(5), Updated: day(5)},
	} {
		if err := s.QueueTraceRecompute(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	qs, err := s.TraceRecomputes(ctx)
	if err != nil || len(qs) != 2 {
		t.Fatalf("queue: %+v %v", qs, err)
	}
	qb, qa := qs[0], qs[1]
	if qb.TraceID != b.ID || !qb.Enqueued.Equal(day(2)) || !qb.Updated.Equal(day(5)) || qb.Gen != 3 ||
		!reflect.DeepEqual(qb.Findings, []string{"f1", "f3"}) || qb.Reason != "finding f1 on host h1; finding f3 on host h3" {
		t.Errorf("merged entry: %+v", qb)
	}
	if qa.TraceID != a.ID || qa.Gen != 1 || !reflect.DeepEqual(qa.Findings, []string{"f2"}) || !qa.Enqueued.Equal(day(3)) {
		t.Errorf("second entry: %+v", qa)
	}
	// A recomputation that read gen 3 while gen 4 was queued leaves the
	// entry; the current gen removes it, once.
	if err := s.QueueTraceRecompute(ctx, store.TraceRecompute{TraceID: b.ID, Reason: "finding f4", Findings: []string{"f4"}, Enqueued: day(6), Updated: day(6)}); err != nil {
		t.Fatal(err)
	}
	if done, err := s.DoneTraceRecompute(ctx, b.ID, 3); err != nil || done {
		t.Fatalf("done with a stale gen: %v %v", done, err)
	}
	if done, err := s.DoneTraceRecompute(ctx, b.ID, 4); err != nil || !done {
		t.Fatalf("done: %v %v", done, err)
	}
	if done, err := s.DoneTraceRecompute(ctx, b.ID, 4); err != nil || done {
		t.Fatalf("done twice: %v %v", done, err)
	}
	// The finding ids are bounded.
	many := make([]string, store.MaxRecomputeFindings+5)
	for i := range many {
		many[i] = fmt.Sprintf("g%d", i)
	}
	if err := s.QueueTraceRecompute(ctx, store.TraceRecompute{TraceID: a.ID, Reason: "many", Findings: many, Enqueued: day(7), Updated: day(7)}); err != nil {
		t.Fatal(err)
	}
	// Deleting a trace drops its entry.
	if err := s.DeleteSavedTrace(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.QueueTraceRecompute(ctx, store.TraceRecompute{TraceID: b.ID, Reason: "gone", Enqueued: day(8), Updated: day(8)}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("queue for a deleted trace: %v", err)
	}
	qs, err = s.TraceRecomputes(ctx)
	if err != nil || len(qs) != 1 || qs[0].TraceID != a.ID || len(qs[0].Findings) != store.MaxRecomputeFindings || qs[0].Findings[0] != "f2" || qs[0].Gen != 2 {
		t.Fatalf("after delete: %+v %v", qs, err)
	}
}
