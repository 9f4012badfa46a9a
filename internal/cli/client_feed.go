package cli

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// runClientFeed is `cascade client feed add|list|delete`.
func runClientFeed(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("usage: cascade client feed add|list|delete [OPTIONS]")
	}
	switch args[0] {
	case "add":
		return runClientFeedAdd(ctx, e, args[1:])
	case "list":
		return runClientFeedList(ctx, e, args[1:])
	case "delete":
		return runClientFeedDelete(ctx, e, args[1:])
	}
	return usagef("unknown feed sub-command %q: want add, list or delete", args[0])
}

// feedCredFlags name the files a feed's credential is read from, so it
// never appears in a command line or shell history.
type feedCredFlags struct {
	user, passwordFile, tokenFile, keyFile string
}

func (c *feedCredFlags) secret() (fleet.FeedSecret, error) {
	var s fleet.FeedSecret
	var err error
	s.User = c.user
	for _, x := range []struct {
		file string
		dst  *string
	}{{c.passwordFile, &s.Password}, {c.tokenFile, &s.Token}, {c.keyFile, &s.Key}} {
		if x.file != "" {
			if *x.dst, err = readSecret(nil, "", x.file, ""); err != nil {
				return s, err
			}
		}
	}
	return s, nil
}

func runClientFeedAdd(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	var req fleet.FeedRequest
	var cred feedCredFlags
	var every time.Duration
	fs := newClientFlags(e, "feed add", "[--kind url|taxii|misp] [OPTIONS] URL\n\n"+
		"Add an intel feed the server polls: a URL (url), a TAXII 2.1 API root and --collection (taxii),\n"+
		"or a MISP instance (misp, with --misp-key-file). What arrives starts a retro-hunt. Credentials are\n"+
		"read from files and never shown again (the API says only which kind is set).", &a)
	fs.StringVar(&req.Kind, "kind", fleet.FeedURL, "url, taxii or misp")
	fs.StringVar(&req.Collection, "collection", "", "TAXII collection id (taxii)")
	fs.DurationVar(&every, "every", time.Hour, "poll interval")
	fs.StringVar(&cred.user, "feed-user", "", "HTTP Basic user for the feed")
	fs.StringVar(&cred.passwordFile, "feed-password-file", "", "read the feed's HTTP Basic password from this file")
	fs.StringVar(&cred.tokenFile, "feed-token-file", "", "read the feed's bearer token from this file")
	fs.StringVar(&cred.keyFile, "misp-key-file", "", "read the MISP auth key from this file (misp)")
	fs.StringVar(&req.Policy.SightingsCollection, "sightings-collection", "", "taxii: post STIX sightings of this feed's indicators to this collection of the same API root")
	fs.BoolVar(&req.Policy.MISPSightings, "misp-sightings", false, "misp: report sightings of matched attributes to the instance")
	fs.BoolVar(&req.Policy.HostNames, "sightings-host-names", false, "let sightings name the hosts where the indicator was seen")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("one feed URL is required")
	}
	sec, err := cred.secret()
	if err != nil {
		return err
	}
	req.URL, req.Secret, req.Interval = fs.Arg(0), sec, fleet.Duration(every)
	c, err := a.client(e)
	if err != nil {
		return err
	}
	f, err := c.AddFeed(ctx, req)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "feed %d (%s) added: %s %s auth=%s every %s\n", f.ID, f.Kind, f.URL, f.Collection, f.Auth, time.Duration(f.Interval))
	return err
}

func runClientFeedList(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	var format string
	fs := newClientFlags(e, "feed list", "[OPTIONS]\n\nList the server's feeds with their last poll.", &a)
	fs.StringVar(&format, "format", "table", "table or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	feeds, err := c.Feeds(ctx)
	if err != nil {
		return err
	}
	if format == "json" {
		return writeJSONOut(e, map[string]any{"feeds": feeds})
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tURL\tCOLLECTION\tAUTH\tLAST OK\tFAILURES\tERROR")
	for _, f := range feeds {
		ok := "-"
		if !f.LastOK.IsZero() {
			ok = f.LastOK.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%.80s\n", f.ID, f.Kind, f.URL, f.Collection, f.Auth, ok, f.Failures, f.LastError)
	}
	return tw.Flush()
}

func runClientFeedDelete(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	fs := newClientFlags(e, "feed delete", "FEED_ID\n\nRemove a feed (the intel it brought stays until removed).", &a)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if fs.NArg() != 1 || err != nil {
		return usagef("one feed id is required")
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	return c.DeleteFeed(ctx, id)
}
