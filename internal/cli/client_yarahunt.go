package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// runClientYARAHunt is `cascade client yara-hunt create|list|show|cancel`.
func runClientYARAHunt(ctx context.Context, e *env, args []string) error {
	const usage = "usage: cascade client yara-hunt create [--host ID]... [--role R]... RULES.yar|- | list | show ID | cancel ID"
	if len(args) == 0 {
		return usagef("%s", usage)
	}
	switch args[0] {
	case "create":
		return runClientYARAHuntCreate(ctx, e, args[1:])
	case "list":
		return runClientYARAHuntList(ctx, e, args[1:])
	case "show":
		return runClientYARAHuntShow(ctx, e, args[1:])
	case "cancel":
		return runClientYARAHuntCancel(ctx, e, args[1:])
	}
	return usagef("%s", usage)
}

func runClientYARAHuntCreate(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	var hosts, roles []string
	var format string
	fs := newClientFlags(e, "yara-hunt create", "[--host ID]... [--role R]... [OPTIONS] RULES.yar|-\n\n"+
		"Push a YARA rule file (- reads standard input) to the agents: each evaluates it over its scan roots\n"+
		"at its next check-in and reports the matches, which become findings. Without --host and --role\n"+
		"every host is asked. The server signs the rules; agents refuse rules their own server did not sign.", &a)
	fs.Var(listFlag{&hosts}, "host", "ask this host (id); repeatable")
	fs.Var(listFlag{&roles}, "role", "ask the hosts with this role; repeatable")
	fs.StringVar(&format, "format", "table", "table or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("one rule file (or -) is required")
	}
	var req fleet.YARAHuntCreate
	for _, h := range hosts {
		id, err := strconv.ParseInt(h, 10, 64)
		if err != nil || id <= 0 {
			return usagef("--host %q: a host id is a positive number", h)
		}
		req.Hosts = append(req.Hosts, id)
	}
	req.Roles = roles
	rules, err := readRules(e, fs.Arg(0))
	if err != nil {
		return err
	}
	req.Rules = rules
	c, err := a.client(e)
	if err != nil {
		return err
	}
	h, err := c.CreateYARAHunt(ctx, req)
	if err != nil {
		return err
	}
	if format == "json" {
		return writeJSONOut(e, h)
	}
	_, err = fmt.Fprintf(e.stdout, "yara hunt %d created for %d hosts (%d waiting for their check-in, %d offline), rules %s, key %s\n",
		h.ID, len(h.Hosts), h.Asked, h.Offline, short(h.Fingerprint), h.KeyID)
	return err
}

// readRules reads a rule file, or standard input for "-", up to the cap
// the server enforces.
func readRules(e *env, name string) (string, error) {
	var r io.Reader = e.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return "", fmt.Errorf("rule file: %w", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, fleet.MaxYARAHuntRules+1))
	if err != nil {
		return "", fmt.Errorf("read rules: %w", err)
	}
	if len(b) > fleet.MaxYARAHuntRules {
		return "", fmt.Errorf("rules: more than %d bytes", fleet.MaxYARAHuntRules)
	}
	if strings.TrimSpace(string(b)) == "" {
		return "", fmt.Errorf("rules: %s is empty", name)
	}
	return string(b), nil
}

func runClientYARAHuntList(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	var format string
	var limit int
	fs := newClientFlags(e, "yara-hunt list", "[OPTIONS]\n\nList YARA hunts, newest first, with how many hosts are asked, running, done, failed and offline.", &a)
	fs.IntVar(&limit, "limit", 50, "at most this many")
	fs.StringVar(&format, "format", "table", "table or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("list takes no arguments")
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	hs, err := c.YARAHunts(ctx, limit)
	if err != nil {
		return err
	}
	if format == "json" {
		return writeJSONOut(e, map[string]any{"yara_hunts": hs})
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED\tCREATOR\tREASON\tASKED\tRUNNING\tDONE\tFAILED\tOFFLINE\tMATCHES\tCANCELED")
	for _, h := range hs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", h.ID, h.Created.UTC().Format(time.RFC3339),
			visibleLine(h.Creator), visibleLine(h.Reason), h.Asked, h.Running, h.Done, h.Failed, h.Offline, h.Matches, when(h.Canceled))
	}
	return tw.Flush()
}

func runClientYARAHuntShow(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	var format string
	var rules bool
	fs := newClientFlags(e, "yara-hunt show", "[OPTIONS] ID\n\nShow a YARA hunt and every asked host's progress: state, matches, findings, files scanned, error.", &a)
	fs.StringVar(&format, "format", "table", "table or json")
	fs.BoolVar(&rules, "rules", false, "print the hunt's rule texts too")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if fs.NArg() != 1 || err != nil {
		return usagef("one hunt id is required")
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	h, err := c.YARAHunt(ctx, id)
	if err != nil {
		return err
	}
	if format == "json" {
		return writeJSONOut(e, h)
	}
	fmt.Fprintf(e.stdout, "yara hunt %d created %s by %s", h.ID, h.Created.UTC().Format(time.RFC3339), visibleLine(h.Creator))
	if h.Reason != "" {
		fmt.Fprintf(e.stdout, " (%s)", visibleLine(h.Reason))
	}
	fmt.Fprintf(e.stdout, "\nrules %s signed with key %s; %d asked, %d running, %d done, %d failed, %d offline, %d canceled; %d matches\n",
		short(h.Fingerprint), h.KeyID, h.Asked, h.Running, h.Done, h.Failed, h.Offline, h.Stopped, h.Matches)
	if !h.Canceled.IsZero() {
		fmt.Fprintf(e.stdout, "canceled %s\n", h.Canceled.UTC().Format(time.RFC3339))
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tNAME\tSTATE\tLAST CONTACT\tDONE\tMATCHES\tFINDINGS\tUNRECORDED\tSCANNED\tERRORS\tSKIPPED\tERROR")
	for _, x := range h.Hosts {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", x.HostID, visibleLine(x.HostName), x.State,
			when(x.LastContact), when(x.DoneAt), x.Matches, x.Findings, x.Unrecorded, x.Scanned, x.Errors, x.Skipped, visibleLine(x.Error))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if rules {
		for _, r := range h.Rules {
			fmt.Fprintf(e.stdout, "\n// namespace %s\n%s\n", visibleLine(r.Indicator), r.Text)
		}
	}
	return nil
}

func runClientYARAHuntCancel(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	fs := newClientFlags(e, "yara-hunt cancel", "ID\n\nStop handing a YARA hunt out; results already reported stay.", &a)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if fs.NArg() != 1 || err != nil {
		return usagef("one hunt id is required")
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	if err := c.CancelYARAHunt(ctx, id); err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "yara hunt %d canceled\n", id)
	return err
}

// when is a time for a table cell: "-" when unset.
func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// short is the first 16 characters of a fingerprint.
func short(s string) string {
	if len(s) > 16 {
		return s[:16]
	}
	return s
}
