package packs

import (
	"bytes"
	"encoding/csv"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/packs/packgen"
)

// TestGeneratedPacksAreCurrent fails when the committed packs differ from
// what the generator makes of the table, the rules and the curated files.
func TestGeneratedPacksAreCurrent(t *testing.T) {
	res, err := packgen.Build(os.DirFS("."))
	if err != nil {
		t.Fatalf("generator: %v", err)
	}
	if got, want := List(), res.Names(); !slices.Equal(got, want) {
		t.Fatalf("embedded packs %v, generator makes %v: run go generate ./internal/intel/packs", got, want)
	}
	for _, name := range res.Names() {
		committed, err := data.ReadFile("data/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(committed, res.Packs[name]) {
			t.Errorf("data/%s.json differs from the generator's output: run go generate ./internal/intel/packs", name)
		}
	}
}

// TestEveryRowIsAccounted checks that each table row became an indicator,
// went into a curated record or was skipped with a reason.
func TestEveryRowIsAccounted(t *testing.T) {
	res, err := packgen.Build(os.DirFS("."))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, d := range res.Rows {
		seen[d.Line] = true
		switch d.Action {
		case packgen.UsedAsIndicator:
			if len(d.Targets) == 0 {
				t.Errorf("line %d: used as indicator but names none", d.Line)
			}
		case packgen.UsedByCurated, packgen.Skipped:
			if d.Reason == "" || d.RuleLine == 0 {
				t.Errorf("line %d: %s without a rule and reason", d.Line, d.Action)
			}
		default:
			t.Errorf("line %d: unknown disposition %q", d.Line, d.Action)
		}
	}
	if len(seen) != res.TableRows {
		t.Errorf("%d of %d rows have a disposition", len(seen), res.TableRows)
	}
	for line := 2; line <= res.TableRows+1; line++ {
		if !seen[line] {
			t.Errorf("table line %d has no disposition", line)
		}
	}
}

// TestPacksValidate loads every pack and checks that each record cites its
// sources.
func TestPacksValidate(t *testing.T) {
	names := List()
	if len(names) < 11 {
		t.Fatalf("only %d packs: %v", len(names), names)
	}
	for _, name := range names {
		in, err := Get(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := in.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if in.Incident(name) == nil {
			t.Errorf("%s: no incident record of its own name", name)
		}
		for _, ind := range in.Indicators {
			if len(ind.References) == 0 || len(ind.Sources) == 0 {
				t.Errorf("%s: indicator %s lacks references or sources", name, ind.ID)
			}
			if ind.Incident != name {
				t.Errorf("%s: indicator %s belongs to incident %q", name, ind.ID, ind.Incident)
			}
		}
		for _, a := range in.Advisories {
			if len(a.References) == 0 || len(a.Sources) == 0 {
				t.Errorf("%s: advisory %s lacks references or sources", name, a.ID)
			}
		}
	}
	if _, err := Get("no-such-pack"); err == nil {
		t.Error("Get of an unknown pack succeeded")
	}
}

func TestLoadMergesAllPacks(t *testing.T) {
	all, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if err := all.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(all.Sources) != len(List()) || len(all.Incidents) != len(List()) {
		t.Errorf("%d sources and %d incidents for %d packs", len(all.Sources), len(all.Incidents), len(List()))
	}
	// journalide.org is in both the 3CX and the X_TRADER pack: it stays one
	// indicator per incident, so a finding can name both.
	incidents := map[string]bool{}
	for _, ind := range all.Indicators {
		if ind.Type == intel.Domain && ind.Value == "journalide.org" {
			incidents[ind.Incident] = true
		}
	}
	if !incidents["3cx-2023"] || !incidents["xtrader-2022"] || len(incidents) != 2 {
		t.Errorf("journalide.org incidents = %v, want 3cx-2023 and xtrader-2022", incidents)
	}
	actor := all.Actor("unc4736")
	if actor == nil {
		t.Fatal("actor unc4736 missing")
	}
	for _, want := range []intel.Alias{{Name: "UNC4736", Source: "Mandiant"},
		{Name: "LABYRINTH CHOLLIMA", Source: "CrowdStrike"}, {Name: "Lazarus", Source: "Kaspersky"}} {
		if !slices.Contains(actor.Aliases, want) {
			t.Errorf("unc4736 lacks alias %+v", want)
		}
	}
}

func findValue(in *intel.Intel, typ intel.Type, value string) *intel.Indicator {
	for i := range in.Indicators {
		if in.Indicators[i].Type == typ && in.Indicators[i].Value == value {
			return &in.Indicators[i]
		}
	}
	return nil
}

func mustGet(t *testing.T, name string) *intel.Intel {
	t.Helper()
	in, err := Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// tableRows reads the IOC table, for checks against the raw material.
func tableRows(t *testing.T) [][]string {
	t.Helper()
	f, err := os.Open(packgen.TablePath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows[1:]
}

func hasPrefix(refs []string, prefix string) bool {
	return slices.ContainsFunc(refs, func(r string) bool { return strings.HasPrefix(r, prefix) })
}
