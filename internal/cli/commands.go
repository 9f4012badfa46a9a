package cli

import (
	"context"
	"fmt"
)

// commands is the command table, in the order usage lists them.
func commands() []command {
	return []command{
		{"scan", "sweep the live machine or image roots for known compromises", runScan},
		{"inventory", "print the inventory snapshot (JSON) without matching", runInventory},
		{"inspect", "one file's full record: type, digests, signatures, anomalies", runInspect},
		{"intel", "list, show, validate, import, export and match intel", runIntel},
		{"serve", "run the fleet server: agent endpoints, JSON API, web UI, retro-hunts", runServe},
		{"agent", "enroll, then collect and upload this machine's inventory on a schedule", runAgent},
		{"trace", "follow a compromise through the cascade graph, forward or back to patient zero", runTrace},
		{"client", "talk to a fleet server: hosts, findings, triage, import intel or snapshots, tokens", runClient},
		{"yara", "scan files with YARA rules, printing matches as the yara command does", runYara},
		{"version", "print the version", runVersion},
	}
}

func runVersion(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "version")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	_, err := fmt.Fprintf(e.stdout, "cascade %s\n", Version)
	return err
}
