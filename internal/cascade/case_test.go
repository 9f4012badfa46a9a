package cascade_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/cascade"
	"github.com/cascade-ir/cascade/internal/cascade/input"
)

func day(s string) time.Time {
	t, err := input.ParseTime(s)
	if err != nil {
		panic(err)
	}
	return t
}

// load3CX builds the 3CX case from testdata/3cx, the provenance checked
// with the fixture's key when withKey is set.
func load3CX(t *testing.T, withKey bool, provenance string) *cascade.Graph {
	t.Helper()
	p := input.Provenance{Path: "testdata/3cx/" + provenance}
	if withKey {
		k, err := input.LoadPublicKey("testdata/3cx/signing-pub.pem")
		if err != nil {
			t.Fatal(err)
		}
		p.Key, p.KeyName = k, "signing-pub.pem"
	}
	b := cascade.NewBuilder()
	err := b.Load(context.Background(), input.GraphFile{Path: "testdata/3cx/graph.json"},
		input.Declared{Path: "testdata/3cx/declared.csv"}, input.Deliveries{Path: "testdata/3cx/deliveries.csv"}, p)
	if err != nil {
		t.Fatal(err)
	}
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestThreeCXForward(t *testing.T) {
	g := load3CX(t, true, "provenance.intoto.jsonl")
	r, err := cascade.Trace(context.Background(), g, cascade.Options{
		Seeds: []cascade.Seed{{Node: "release:x_trader@7.17.90p608", Time: day("2022-02-01")}},
		At:    day("2023-04-20"), Skew: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]cascade.Reach{}
	var suspects []string
	for _, re := range r.Reached() {
		got[re.Node.ID] = re
		if re.Suspect {
			suspects = append(suspects, re.Node.ID)
		}
		if re.Path[0].Node != "release:x_trader@7.17.90p608" {
			t.Errorf("%s: path starts at %s", re.Node.ID, re.Path[0].Node)
		}
	}
	slices.Sort(suspects)
	want := []string{"release:3cxdesktopapp-mac@18.12.416", "release:3cxdesktopapp-win@18.12.407", "release:3cxdesktopapp-win@18.12.416"}
	if !slices.Equal(suspects, want) {
		t.Errorf("suspect releases %v, want %v", suspects, want)
	}
	for id, when := range map[string]string{
		"host:dev-pc-07": "2022-04-01", "host:build-win-02": "2022-12-08T09:14:00Z",
		"release:3cxdesktopapp-win@18.12.407": "2023-01-24T02:00:00Z", "release:3cxdesktopapp-win@18.12.416": "2023-03-07T01:55:00Z",
		"org:acme-corp": "2023-01-30", "org:globex": "2023-03-09", "org:initech": "2023-03-10",
		"host:acme-ws-11": "2023-02-01T08:30:00Z", "host:globex-pbx-02": "2023-03-10T11:00:00Z", "host:initech-lt-04": "2023-03-12T07:00:00Z",
	} {
		if re, ok := got[id]; !ok || !re.Time.Equal(day(when)) {
			t.Errorf("%s reached %v (%v), want at %s", id, re.Time, ok, when)
		}
	}
	for _, id := range []string{"release:3cxdesktopapp-win@18.12.402", "org:umbrella", "host:umbrella-ws-01", "host:it-admin-01"} {
		if _, ok := got[id]; ok {
			t.Errorf("%s reached, but nothing compromised reaches it in time", id)
		}
	}
	if c := got["release:3cxdesktopapp-mac@18.12.416"].Confidence; c != 0.8 {
		t.Errorf("mac release confidence %v, want the known_hosts edge's 0.8", c)
	}
}

func TestThreeCXBackwards(t *testing.T) {
	g := load3CX(t, true, "provenance.intoto.jsonl")
	found := day("2023-03-29")
	r, err := cascade.Backtrace(context.Background(), g, cascade.Options{
		Seeds: []cascade.Seed{{Node: "host:acme-ws-11", Time: found}, {Node: "host:globex-pbx-02", Time: found}, {Node: "host:initech-lt-04", Time: found}},
		At:    day("2023-04-20"), Skew: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.PatientZero) < 2 {
		t.Fatalf("patient zero candidates: %+v", r.PatientZero)
	}
	pz := r.PatientZero[0]
	if pz.Node.ID != "release:x_trader@7.17.90p608" || pz.FirstHost != "host:dev-pc-07" || !pz.Known || len(pz.Targets) != 3 {
		t.Errorf("patient zero %s (first host %s, known %v, %d targets), want X_TRADER on dev-pc-07 covering 3",
			pz.Node.ID, pz.FirstHost, pz.Known, len(pz.Targets))
	}
	if r.PatientZero[1].Node.ID != "host:it-admin-01" {
		t.Errorf("second candidate %s, want it-admin-01 (consistent in time, not known compromised)", r.PatientZero[1].Node.ID)
	}
	var path []string
	for _, st := range pz.Path {
		path = append(path, st.Node)
	}
	if want := "release:x_trader@7.17.90p608 host:dev-pc-07 host:build-win-02 release:3cxdesktopapp-win@18.12.407 host:acme-ws-11"; strings.Join(path, " ") != want {
		t.Errorf("patient zero path %v, want %s", path, want)
	}
}

func TestThreeCXProvenance(t *testing.T) {
	for _, tc := range []struct {
		file       string
		key        bool
		unverified bool
		note       string
	}{
		{"provenance.intoto.jsonl", true, false, "signature verified"},
		{"provenance.intoto.jsonl", false, true, "no key given"},
		{"tampered.intoto.jsonl", true, true, "does not verify"},
	} {
		g := load3CX(t, tc.key, tc.file)
		r, err := cascade.Trace(context.Background(), g, cascade.Options{
			Seeds: []cascade.Seed{{Node: "host:build-win-02", Time: day("2023-01-01")}}, At: day("2023-04-20")})
		if err != nil {
			t.Fatal(err)
		}
		var re *cascade.Reach
		for _, x := range r.Reached() {
			if x.Node.ID == "release:3cxdesktopapp-win@18.12.416" {
				re = &x
			}
		}
		if re == nil {
			t.Fatalf("%s: 18.12.416 not reached", tc.file)
		}
		ev := re.Path[len(re.Path)-1].Via.Evidence
		if re.Unverified != tc.unverified || ev.Unverified != tc.unverified || !strings.Contains(ev.Note, tc.note) {
			t.Errorf("%s key=%v: unverified %v (%q), want %v (%q)", tc.file, tc.key, re.Unverified, ev.Note, tc.unverified, tc.note)
		}
	}
}
