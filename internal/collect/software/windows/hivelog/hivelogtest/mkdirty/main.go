// Command mkdirty turns a hive into a dirty one with transaction logs, for
// the fixture scripts: given the hive before and after some changes, it
// writes OUT (the before state, marked dirty) and the logs that carry the
// changes: OUT's directory gets LOGNAME.LOG1 and LOGNAME.LOG2 (new format),
// or LOGNAME.LOG with -old.
//
//	mkdirty [-old] [-seq N] [-entries N] [-log2 N] [-stale] BEFORE AFTER OUT LOGNAME
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cascade-ir/cascade/internal/collect/software/windows/hivelog/hivelogtest"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "mkdirty:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	fl := flag.NewFlagSet("mkdirty", flag.ContinueOnError)
	old := fl.Bool("old", false, "write an old-format .LOG (Windows Vista to 8)")
	seq := fl.Uint("seq", 1000, "the primary's secondary sequence number")
	entries := fl.Int("entries", 3, "log entries to split the changes into")
	log2 := fl.Int("log2", 1, "how many of the last entries go to LOG2")
	stale := fl.Bool("stale", true, "start LOG1 with an entry the hive already holds")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() != 4 {
		return fmt.Errorf("usage: mkdirty [flags] BEFORE AFTER OUT LOGNAME")
	}
	before, err := os.ReadFile(fl.Arg(0))
	if err != nil {
		return err
	}
	after, err := os.ReadFile(fl.Arg(1))
	if err != nil {
		return err
	}
	out, logs := fl.Arg(2), filepath.Join(filepath.Dir(fl.Arg(2)), fl.Arg(3))
	if *old {
		primary, log, err := hivelogtest.DirtyOld(before, after, uint32(*seq))
		if err != nil {
			return err
		}
		return write(map[string][]byte{out: primary, logs + ".LOG": log})
	}
	p := hivelogtest.Plan{Seq: uint32(*seq), Entries: *entries, InLog2: *log2, Stale: *stale}
	primary, l1, l2, err := hivelogtest.Dirty(before, after, p)
	if err != nil {
		return err
	}
	return write(map[string][]byte{out: primary, logs + ".LOG1": l1, logs + ".LOG2": l2})
}

func write(files map[string][]byte) error {
	for name, data := range files {
		if err := os.WriteFile(name, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
