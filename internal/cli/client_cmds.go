package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
)

func runClientHosts(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	var q, role, format string
	var limit int
	fs := newClientFlags(e, "hosts", "[OPTIONS]\n\nList hosts with what they have now and their open findings.", &a)
	fs.StringVar(&q, "q", "", "substring of the host name or id")
	fs.StringVar(&role, "role", "", "only hosts with this role")
	fs.StringVar(&format, "format", "table", "table or json")
	fs.IntVar(&limit, "limit", 1000, "at most this many hosts")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if format != "table" && format != "json" {
		return usagef("--format must be table or json")
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	list, err := c.Hosts(ctx, url.Values{"q": {q}, "role": {role}, "limit": {strconv.Itoa(limit)}})
	if err != nil {
		return err
	}
	if format == "json" {
		return writeJSONOut(e, list)
	}
	return fleet.WriteHostsTable(e.stdout, list.Hosts, list.Total)
}

func runClientFindings(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	var host int64
	var incident, state, format string
	var minScore, limit int
	var present, retracted bool
	fs := newClientFlags(e, "findings", "[OPTIONS]\n\nList findings, most severe first. Exit 0: none; 1: findings listed; 2: error.", &a)
	fs.Int64Var(&host, "host", 0, "only this host (id)")
	fs.StringVar(&incident, "incident", "", "only this incident (id, or unattributed)")
	fs.StringVar(&state, "state", "", "comma-separated states: new, acknowledged, false_positive, resolved")
	fs.IntVar(&minScore, "min-score", 0, "only findings with at least this score")
	fs.BoolVar(&present, "present", false, "only findings whose evidence is on the host now")
	fs.BoolVar(&retracted, "retracted", false, "include findings whose intel was withdrawn")
	fs.StringVar(&format, "format", "table", "table, jsonl, csv or json")
	fs.IntVar(&limit, "limit", 10000, "at most this many findings")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	q := url.Values{"state": {state}, "incident": {incident}, "min_score": {strconv.Itoa(minScore)}, "limit": {strconv.Itoa(limit)}}
	if host > 0 {
		q.Set("host", strconv.FormatInt(host, 10))
	}
	if present {
		q.Set("present", "1")
	}
	if retracted {
		q.Set("retracted", "1")
	}
	list, err := c.Findings(ctx, q)
	if err != nil {
		return err
	}
	switch format {
	case "table":
		err = fleet.WriteFindingsTable(e.stdout, list.Findings, list.Total)
	case "jsonl":
		err = fleet.WriteFindingsJSONL(e.stdout, list.Findings)
	case "csv":
		err = fleet.WriteFindingsCSV(e.stdout, list.Findings)
	case "json":
		err = writeJSONOut(e, list)
	default:
		return usagef("--format must be table, jsonl, csv or json")
	}
	if err == nil && len(list.Findings) > 0 {
		return errFindings
	}
	return err
}

func runClientTriage(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	var state, reason string
	fs := newClientFlags(e, "triage", "--state S [--reason R] FINDING-ID\n\nSet a finding's state.", &a)
	fs.StringVar(&state, "state", "", "new, acknowledged, false_positive or resolved")
	fs.StringVar(&reason, "reason", "", "why (required for false_positive)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("one finding id is required")
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	f, err := c.SetState(ctx, fs.Arg(0), fleet.StateRequest{State: state, Reason: reason})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "%s %s\n", f.ID, f.State)
	return err
}

func runClientImportIntel(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	var name string
	var wait time.Duration
	fs := newClientFlags(e, "import-intel", "[OPTIONS] FILE...\n\nImport intel files (any format the server reads). A file replaces the document of the same name.", &a)
	fs.StringVar(&name, "name", "", "document name (default: the file's base name; one file only)")
	fs.DurationVar(&wait, "wait", 0, "wait up to this long for each retro-hunt to finish")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 || (name != "" && fs.NArg() > 1) {
		return usagef("give one or more files (--name needs exactly one)")
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	for _, file := range fs.Args() {
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		n := name
		if n == "" {
			n = filepath.Base(file)
		}
		res, err := c.ImportIntel(ctx, n, data)
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		fmt.Fprintf(e.stdout, "%s: changed=%v intel_version=%d hunt=%d\n", n, res.Changed, res.Version, res.HuntID)
		if res.HuntID > 0 && wait > 0 {
			if err := waitHunt(ctx, e, c, res.HuntID, wait); err != nil {
				return err
			}
		}
	}
	return nil
}

type hunter interface {
	Hunt(ctx context.Context, id int64) (fleet.Hunt, error)
}

func waitHunt(ctx context.Context, e *env, c hunter, id int64, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		h, err := c.Hunt(ctx, id)
		if err != nil {
			return err
		}
		switch h.Status {
		case fleet.HuntDone:
			fmt.Fprintf(e.stdout, "hunt %d done: %d candidates, %d findings, %d retracted\n", id, h.Candidates, h.Findings, h.Retracted)
			return nil
		case fleet.HuntFailed:
			return fmt.Errorf("hunt %d failed: %s", id, h.Error)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("hunt %d still %s after %s", id, h.Status, wait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func runClientImportSnapshot(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	var host, hostName, roles string
	fs := newClientFlags(e, "import-snapshot", "[OPTIONS] FILE\n\nStore a `cascade inventory` JSON file, or a CycloneDX or SPDX SBOM, as a host's snapshot.", &a)
	fs.StringVar(&host, "host", "", "file it under this host id (default: from the document)")
	fs.StringVar(&hostName, "host-name", "", "host name")
	fs.StringVar(&roles, "roles", "", "comma-separated roles for a new host (workstation, build, server, release…)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("one file is required")
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	res, err := c.ImportSnapshot(ctx, data, url.Values{"name": {filepath.Base(fs.Arg(0))}, "host": {host},
		"host_name": {hostName}, "roles": {roles}})
	if err != nil {
		return err
	}
	for _, r := range res {
		fmt.Fprintf(e.stdout, "host %d (%s): %d new, %d gone, %d findings\n", r.Host.ID, r.Host.UID, r.Result.Opened, r.Result.Closed, r.Result.Findings)
	}
	return nil
}

func runClientToken(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return usagef("usage: cascade client token create --role admin|analyst|enroll|taxii --name NAME")
	}
	var a apiFlags
	var req fleet.TokenRequest
	var ttl time.Duration
	var hostRoles string
	fs := newClientFlags(e, "token create", "--role R --name N [OPTIONS]\n\nCreate a token; its secret is printed once on standard output.", &a)
	fs.StringVar(&req.Role, "role", "", "admin, analyst, enroll or taxii (TAXII server only)")
	fs.StringVar(&req.Name, "name", "", "who or what the token is for")
	fs.DurationVar(&ttl, "ttl", 0, "valid for this long (enrollment tokens default to 24h)")
	fs.IntVar(&req.Uses, "uses", 0, "enrollment tokens: how many agents may enroll (0: any)")
	fs.StringVar(&hostRoles, "host-roles", "", "enrollment tokens: roles given to the hosts enrolled")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	req.TTL, req.HostRoles = fleet.Duration(ttl), splitList(hostRoles)
	c, err := a.client(e)
	if err != nil {
		return err
	}
	tc, err := c.CreateToken(ctx, req)
	if err != nil {
		return err
	}
	exp := "never"
	if !tc.Token.Expires.IsZero() {
		exp = tc.Token.Expires.Format(time.RFC3339)
	}
	fmt.Fprintf(e.stderr, "token %d (%s, %s) created; expires %s. The secret is shown once:\n", tc.Token.ID, tc.Token.Role, tc.Token.Name, exp)
	_, err = fmt.Fprintln(e.stdout, tc.Secret)
	return err
}

// runClientReenroll is an admin's explicit consent to re-enroll one host
// (shared enrollment tokens cannot take over an enrolled host id).
func runClientReenroll(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	fs := newClientFlags(e, "reenroll", "HOST_ID [OPTIONS]\n\nPrint a one-use enrollment token, valid 24 h, that enrolls this host (and no other) again,\nreplacing its agent credential. Give it to the machine's agent with --enroll-token.", &a)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("usage: cascade client reenroll HOST_ID")
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil || id <= 0 {
		return usagef("HOST_ID must be a host's numeric id (see cascade client hosts)")
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	tc, err := c.HostEnrollToken(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "token %d enrolls host %d once until %s. The secret is shown once:\n", tc.Token.ID, id, tc.Token.Expires.Format(time.RFC3339))
	_, err = fmt.Fprintln(e.stdout, tc.Secret)
	return err
}

func writeJSONOut(e *env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
