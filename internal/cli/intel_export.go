package cli

import (
	"context"
	"io"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/intelcsv"
	"github.com/cascade-ir/cascade/internal/intel/stix"
)

func runIntelExport(_ context.Context, e *env, args []string) error {
	var f intelFlags
	var format, output string
	fs := newFlags(e, "intel export", "intel export [OPTIONS]\n\nWrite the intel scan would load (built-in packs, the local store, --intel files) as a\nSTIX 2.1 bundle, CSV (one row per indicator) or a cascade intel document.")
	f.registerSources(fs)
	fs.StringVar(&format, "format", "stix", "stix, csv or cascade")
	fs.StringVar(&output, "output", "", "write to this file instead of standard output")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if format != "stix" && format != "csv" && format != "cascade" {
		return usagef("--format must be stix, csv or cascade, not %q", format)
	}
	if fs.NArg() > 0 {
		return usagef("intel export takes no arguments; use --intel FILE to add files")
	}
	in, err := f.load(e)
	if err != nil {
		return err
	}
	write := func(w io.Writer) error {
		switch format {
		case "csv":
			return intelcsv.Write(w, in)
		case "cascade":
			src := intel.Source{ID: "cascade-export", Name: "cascade intel export", Kind: "cascade"}
			return intel.EncodeNative(w, src, in)
		}
		return stix.Export(w, in, stix.ExportOptions{})
	}
	if output != "" {
		return writeFile(output, write)
	}
	return write(e.stdout)
}
