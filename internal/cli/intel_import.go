package cli

import (
	"context"
	"fmt"

	"github.com/cascade-ir/cascade/internal/intel/intelstore"
)

func runIntelImport(_ context.Context, e *env, args []string) error {
	var f intelFlags
	var replace bool
	var remove string
	fs := newFlags(e, "intel import", "intel import [OPTIONS] FILE...\n\nValidate intel files (cascade JSON, STIX 2.1, MISP events, feed directories and\nwarninglists, signature-base lists) and copy them into the local intel store, which\nscan loads. The same indicator from several documents is kept once with all its sources.")
	f.registerStore(fs)
	fs.BoolVar(&replace, "replace", false, "drop earlier imports of a file with the same name (a newer version of it)")
	fs.StringVar(&remove, "remove", "", "remove the stored document with this ID or name instead of importing")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	s, err := f.store(e)
	if err != nil {
		return err
	}
	if remove != "" {
		gone, err := s.Remove(remove)
		for _, g := range gone {
			fmt.Fprintf(e.stdout, "removed %s (%s)\n", g.ID, g.Name)
		}
		return err
	}
	if fs.NArg() == 0 {
		return usagef("intel import needs at least one file")
	}
	for _, p := range fs.Args() {
		r, err := s.Import(p, intelstore.ImportOptions{Replace: replace})
		if err != nil {
			return err
		}
		switch {
		case r.Existing:
			fmt.Fprintf(e.stdout, "%s: already in the store as %s\n", p, r.Entry.ID)
		default:
			fmt.Fprintf(e.stdout, "%s: imported as %s (%s, %d indicators) into %s\n", p, r.Entry.ID, r.Entry.Format, r.Entry.Indicators, s.Dir)
		}
		for _, x := range r.Replaced {
			fmt.Fprintf(e.stdout, "  replaced %s (imported %s)\n", x.ID, x.Imported.Format("2006-01-02 15:04"))
		}
	}
	return nil
}
