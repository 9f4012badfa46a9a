package cli

import (
	"context"
	"io"
	"strings"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/scan"
)

type inventoryOptions struct {
	collectFlags
	digests string
	output  string
}

func runInventory(ctx context.Context, e *env, args []string) error {
	var o inventoryOptions
	fs := newFlags(e, "inventory", "inventory [OPTIONS] [ROOT...]\n\nPrint the inventory snapshot (JSON) of the live machine or of each ROOT, without matching.\nOne ROOT gives one JSON object; several give an array.")
	o.collectFlags.register(fs)
	fs.StringVar(&o.digests, "digests", "sha256", "digests to compute: any of sha256,sha1,md5, or none")
	fs.StringVar(&o.output, "output", "", "write the snapshot to this file instead of standard output")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	d, err := parseDigests(o.digests)
	if err != nil {
		return err
	}
	opt, err := o.collectFlags.options(e, fs.Args())
	if err != nil {
		return err
	}
	opt.Collect.Digests = d
	results, err := scan.Inventory(ctx, opt)
	endProgress(opt.Collect.Progress)
	if err != nil {
		return err
	}
	if o.output != "" {
		return writeFile(o.output, func(w io.Writer) error { return writeSnapshots(w, results) })
	}
	return writeSnapshots(e.stdout, results)
}

func parseDigests(s string) (collect.Digests, error) {
	var d collect.Digests
	if s == "none" || s == "" {
		return d, nil
	}
	for _, p := range strings.Split(s, ",") {
		switch strings.TrimSpace(strings.ToLower(p)) {
		case "sha256":
			d.SHA256 = true
		case "sha1":
			d.SHA1 = true
		case "md5":
			d.MD5 = true
		default:
			return d, usagef("--digests: unknown digest %q (want sha256, sha1, md5 or none)", p)
		}
	}
	return d, nil
}
