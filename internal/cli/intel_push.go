package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/cascade-ir/cascade/internal/feedclient/taxiiclient"
)

func runIntelPush(ctx context.Context, e *env, args []string) error {
	var t taxiiFlags
	var maxBytes int64
	fs := newFlags(e, "intel push", "intel push API_ROOT_URL --collection ID [--user U --password-file F | --token-file F] FILE\n\n"+
		"Add a STIX 2.1 bundle's objects to a TAXII 2.1 collection, in envelopes no larger than the API root's\n"+
		"max_content_length, and wait for each status to complete.")
	t.register(fs)
	fs.Int64Var(&maxBytes, "max-envelope", 0, "bytes per envelope (default: the API root's max_content_length)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usagef("an API root URL and one bundle file are required")
	}
	data, err := os.ReadFile(fs.Arg(1))
	if err != nil {
		return err
	}
	objs, err := taxiiclient.BundleObjects(data)
	if err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(1), err)
	}
	c, err := t.client(e, fs.Arg(0))
	if err != nil {
		return err
	}
	sts, err := c.AddAll(ctx, fs.Arg(0), t.collection, objs, maxBytes)
	ok, failed := 0, 0
	for _, st := range sts {
		ok += st.SuccessCount
		failed += st.FailureCount
		for _, f := range st.Failures {
			fmt.Fprintf(e.stderr, "refused: %s %s: %s\n", f.ID, f.Version, f.Message)
		}
	}
	fmt.Fprintf(e.stdout, "%d objects added, %d refused, in %d envelopes\n", ok, failed, len(sts))
	return err
}
