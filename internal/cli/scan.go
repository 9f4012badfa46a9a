package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/atomicfile"
	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/match"
	ym "github.com/cascade-ir/cascade/internal/match/yara"
	"github.com/cascade-ir/cascade/internal/report"
	"github.com/cascade-ir/cascade/internal/scan"
)

// scanRulesMemoryLimit is the Go heap's soft limit of a scan with YARA
// rules, unless GOMEMLIMIT says otherwise (see yaraMemoryLimit).
const scanRulesMemoryLimit = 224 << 20

type scanOptions struct {
	collectFlags
	intelFlags
	format   string
	output   string
	minScore int
	snapshot string
	allDigs  bool
	// builtinRules runs the packs' own YARA rules too (off by default:
	// they make every file read whole and scanned, about twice the CPU of
	// the hash-bound default scan).
	builtinRules bool
}

func runScan(ctx context.Context, e *env, args []string) error {
	var o scanOptions
	fs := newFlags(e, "scan", "scan [OPTIONS] [ROOT...]\n\nSweep the live machine (no ROOT) or each ROOT, a directory or the root of a mounted\nimage, and report what matches the intel. Exit 0: nothing found; 1: findings; 2: error.")
	o.collectFlags.register(fs)
	o.intelFlags.register(fs)
	fs.StringVar(&o.format, "format", "table", "report format: table, jsonl or csv")
	fs.StringVar(&o.output, "output", "", "write the report to this file instead of standard output")
	fs.IntVar(&o.minScore, "min-score", 40, "report findings with at least this score (0-100)")
	fs.StringVar(&o.snapshot, "snapshot", "", "also write the inventory snapshot(s) as JSON to this file (its files carry every digest the intel names)")
	fs.BoolVar(&o.builtinRules, "builtin-rules", false, "also run the built-in packs' YARA rules over every file (rules given with --intel, and YARA patterns in STIX and MISP, always run); costs about twice the CPU of a default scan")
	fs.BoolVar(&o.allDigs, "all-digests", false, "compute every digest the intel names for every file (default: a file's SHA-1 and MD5 only when an indicator without a known SHA-256 of its file needs them)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if o.format != "table" && o.format != "jsonl" && o.format != "csv" {
		return usagef("--format must be table, jsonl or csv, not %q", o.format)
	}
	if o.minScore < 0 || o.minScore > 100 {
		return usagef("--min-score must be within 0..100")
	}
	opt, err := o.collectFlags.options(e, fs.Args())
	if err != nil {
		return err
	}
	opt.FullSnapshot = o.snapshot != ""
	opt.AllDigests = o.allDigs
	in, err := o.intelFlags.load(e)
	if err != nil {
		return err
	}
	set, err := match.Compile(in)
	if err != nil {
		return fmt.Errorf("compile intel: %w", err)
	}
	rules, err := ym.FromIntel(withoutPackRules(in, o.builtinRules), time.Now().UTC())
	if err != nil {
		return fmt.Errorf("compile YARA rules: %w", err)
	}
	if rules != nil {
		opt.Collect.Rules = rules
		if e.getenv("GOMEMLIMIT") == "" { // as cascade yara: whole-file buffers are large and short-lived
			defer debug.SetMemoryLimit(debug.SetMemoryLimit(scanRulesMemoryLimit))
		}
	}
	results, err := scan.Run(ctx, set, opt)
	endProgress(opt.Collect.Progress)
	if err != nil {
		return err
	}
	n := 0
	for i := range results {
		results[i].Findings = o.intelFlags.filterSuppressed(filterScore(results[i].Findings, o.minScore))
		n += len(results[i].Findings)
	}
	found := n > 0
	werr := writeScanOutputs(e, o, results)
	if found && werr == nil && o.format == "table" {
		explainExit(e, o, n)
	}
	switch {
	case found && werr != nil:
		fmt.Fprintf(e.stderr, "cascade scan: %v\n", werr)
		return errFindings
	case werr != nil:
		return werr
	case found:
		return errFindings
	}
	return nil
}

// explainExit says, below a table report, why the scan exits 1 and how to
// see fewer findings: a first run should not leave "exit status 1" a
// mystery.
func explainExit(e *env, o scanOptions, n int) {
	where := "listed above"
	if o.output != "" {
		where = "in " + o.output
	}
	fmt.Fprintf(e.stderr, "cascade scan: exit status 1: %d finding(s) scored at or above --min-score %d (%s); "+
		"--min-score 60 keeps warnings and alerts, 80 alerts only; --format jsonl gives every detail\n", n, o.minScore, where)
}

func filterScore(fs []finding.Finding, min int) []finding.Finding {
	out := fs[:0]
	for _, f := range fs {
		if f.Score >= min {
			out = append(out, f)
		}
	}
	return out
}

// writeScanOutputs writes the report and the optional snapshot file; both
// are attempted, and their errors joined.
func writeScanOutputs(e *env, o scanOptions, results []scan.Result) error {
	var errs []error
	if o.snapshot != "" {
		errs = append(errs, writeFile(o.snapshot, func(w io.Writer) error { return writeSnapshots(w, results) }))
	}
	write := func(w io.Writer) error { return writeReport(w, o.format, results) }
	if o.output != "" {
		errs = append(errs, writeFile(o.output, write))
	} else {
		errs = append(errs, write(e.stdout))
	}
	return errors.Join(errs...)
}

func writeReport(w io.Writer, format string, results []scan.Result) error {
	for i, r := range results {
		s := report.Scan{ScanID: r.ScanID, Snapshot: r.Snapshot, Findings: r.Findings, Warnings: r.Warnings}
		var err error
		switch format {
		case "jsonl":
			err = report.JSONL(w, s)
		case "csv":
			err = report.CSV(w, s, i == 0)
		default:
			if i > 0 {
				fmt.Fprintln(w)
			}
			err = report.Table(w, s)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// writeSnapshots writes one snapshot as an object, several as an array.
func writeSnapshots(w io.Writer, results []scan.Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if len(results) == 1 {
		return enc.Encode(results[0].Snapshot)
	}
	snaps := make([]any, len(results))
	for i, r := range results {
		snaps[i] = r.Snapshot
	}
	return enc.Encode(snaps)
}

// writeFile writes an output file atomically, so a full or read-only disk
// never leaves a truncated report behind.
func writeFile(name string, write func(io.Writer) error) error {
	return atomicfile.Write(name, 0o644, write)
}

// withoutPackRules is in without the built-in packs' YARA indicators,
// unless keep: a default scan stays bound by hashing, and the packs'
// rules run when asked for (--builtin-rules).
func withoutPackRules(in *intel.Intel, keep bool) *intel.Intel {
	if keep || in == nil {
		return in
	}
	out := *in
	out.Indicators = nil
	for _, ind := range in.Indicators {
		if ind.Type == intel.YARA && slices.ContainsFunc(ind.Sources, func(s string) bool { return strings.HasPrefix(s, "pack:") }) {
			continue
		}
		out.Indicators = append(out.Indicators, ind)
	}
	return &out
}
