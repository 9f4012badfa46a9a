package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/taxii"
)

// runClientTAXII manages the server's TAXII collections: what the
// organization publishes, who may read or write each collection, and
// what customers sent (sightings).
func runClientTAXII(ctx context.Context, e *env, args []string) error {
	const usage = "usage: cascade client taxii collection add|list|grant|grants|delete ... | publish COLLECTION ... | objects COLLECTION ..."
	switch {
	case len(args) >= 2 && args[0] == "collection":
		switch args[1] {
		case "add":
			return runTAXIIAdd(ctx, e, args[2:])
		case "list":
			return runTAXIIList(ctx, e, args[2:])
		case "grant":
			return runTAXIIGrant(ctx, e, args[2:])
		case "grants":
			return runTAXIIGrants(ctx, e, args[2:])
		case "delete":
			return runTAXIIDelete(ctx, e, args[2:])
		}
	case len(args) >= 1 && args[0] == "publish":
		return runTAXIIPublish(ctx, e, args[1:])
	case len(args) >= 1 && args[0] == "objects":
		return runTAXIIObjects(ctx, e, args[1:])
	}
	return usagef(usage)
}

func runTAXIIAdd(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	var req fleet.TAXIICollectionRequest
	fs := newClientFlags(e, "taxii collection add", "--title T [--alias A] [--description D] [--id UUID]\n\nCreate a TAXII collection (served at /taxii2/api/collections/ID/).", &a)
	fs.StringVar(&req.Title, "title", "", "the collection's title")
	fs.StringVar(&req.Alias, "alias", "", "a short unique name, usable in URLs instead of the id")
	fs.StringVar(&req.Description, "description", "", "what the collection holds")
	fs.StringVar(&req.ID, "id", "", "its id (a UUID; generated when empty)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	col, err := c.AddTAXIICollection(ctx, req)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(e.stdout, col.ID)
	return err
}

func runTAXIIList(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	var format string
	fs := newClientFlags(e, "taxii collection list", "[--format table|json]\n\nList the TAXII collections.", &a)
	fs.StringVar(&format, "format", "table", "table or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	list, err := c.TAXIICollections(ctx)
	if err != nil {
		return err
	}
	if format == "json" {
		return writeJSONOut(e, list)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tALIAS\tTITLE")
	for _, col := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", col.ID, col.Alias, col.Title)
	}
	return tw.Flush()
}

func runTAXIIGrant(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	var req fleet.TAXIIGrantRequest
	fs := newClientFlags(e, "taxii collection grant", "COLLECTION TOKEN_ID [--read] [--write [--delete]]\n\nSet what a token may do in a collection; no right removes its grant. A token without\nany right in a collection cannot tell it exists.", &a)
	fs.BoolVar(&req.Read, "read", false, "may read objects")
	fs.BoolVar(&req.Write, "write", false, "may add objects")
	fs.BoolVar(&req.Delete, "delete", false, "may delete objects (needs --write)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usagef("a collection and a token id are required")
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	g, err := c.GrantTAXII(ctx, fs.Arg(0), fs.Arg(1), req)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "token %d in %s: read %t, write %t, delete %t\n", g.TokenID, g.CollectionID, g.Read, g.Write, g.Delete)
	return err
}

func runTAXIIGrants(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	fs := newClientFlags(e, "taxii collection grants", "COLLECTION\n\nList the tokens granted access to a collection.", &a)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("a collection is required")
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	list, err := c.TAXIIGrants(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TOKEN\tREAD\tWRITE\tDELETE")
	for _, g := range list {
		fmt.Fprintf(tw, "%d\t%t\t%t\t%t\n", g.TokenID, g.Read, g.Write, g.Delete)
	}
	return tw.Flush()
}

func runTAXIIDelete(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	fs := newClientFlags(e, "taxii collection delete", "COLLECTION\n\nDelete a collection with its objects and grants.", &a)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("a collection is required")
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	return c.Delete(ctx, fleet.APIVersion+"/taxii/collections/"+url.PathEscape(fs.Arg(0)))
}

func runTAXIIPublish(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	var doc, file string
	fs := newClientFlags(e, "taxii publish", "COLLECTION (--intel NAME | --file BUNDLE)\n\nPublish into a collection the indicators of a stored intel document (as STIX) or the\nobjects of a STIX 2.1 bundle file. A trace's derived intel: cascade trace --server URL --publish COLLECTION.", &a)
	fs.StringVar(&doc, "intel", "", "a stored intel document's name")
	fs.StringVar(&file, "file", "", "a STIX 2.1 bundle (JSON) to publish as it is")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || (doc == "") == (file == "") {
		return usagef("a collection and one of --intel or --file are required")
	}
	req := fleet.TAXIIPublishRequest{Intel: doc}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		var bundle struct {
			Objects []json.RawMessage `json:"objects"`
		}
		if err := json.Unmarshal(b, &bundle); err != nil || len(bundle.Objects) == 0 {
			return fmt.Errorf("%s: not a STIX bundle with objects: %v", file, err)
		}
		req.Objects = bundle.Objects
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	st, err := c.PublishTAXII(ctx, fs.Arg(0), req)
	if err != nil {
		return err
	}
	return printTAXIIStatus(e, st)
}

func printTAXIIStatus(e *env, st taxii.Status) error {
	for _, f := range st.Failures {
		fmt.Fprintf(e.stderr, "refused %s: %s\n", f.ID, f.Message)
	}
	_, err := fmt.Fprintf(e.stdout, "%d object(s): %d stored, %d refused (status %s)\n", st.TotalCount, st.SuccessCount, st.FailureCount, st.ID)
	if err == nil && st.FailureCount > 0 {
		return fmt.Errorf("%d object(s) refused", st.FailureCount)
	}
	return err
}

func runTAXIIObjects(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	var typ string
	var limit int
	fs := newClientFlags(e, "taxii objects", "COLLECTION [--type sighting] [--limit N]\n\nPrint the newest version of each object in a collection (the sightings customers sent, say),\none JSON object a line, oldest added first.", &a)
	fs.StringVar(&typ, "type", "", "only objects of these STIX types (comma-separated)")
	fs.IntVar(&limit, "limit", 10000, "at most this many objects")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("a collection is required")
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	after := ""
	for n := 0; n < limit; {
		q := url.Values{"type": {typ}, "limit": {strconv.Itoa(min(1000, limit-n))}, "after": {after}}
		page, err := c.TAXIIObjects(ctx, fs.Arg(0), q)
		if err != nil {
			return err
		}
		for _, o := range page.Objects {
			fmt.Fprintf(e.stdout, "%s\n", o)
			n++
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	return nil
}
