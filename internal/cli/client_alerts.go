package cli

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// runClientAlerts is `cascade client alerts sink add|list|delete`,
// `deliveries` and `retry`.
func runClientAlerts(ctx context.Context, e *env, args []string) error {
	const usage = "usage: cascade client alerts sink add|list|delete | deliveries [--state dead] | retry DELIVERY_ID"
	if len(args) == 0 {
		return usagef("%s", usage)
	}
	switch args[0] {
	case "sink":
		if len(args) < 2 {
			return usagef("%s", usage)
		}
		switch args[1] {
		case "add":
			return runClientAlertSinkAdd(ctx, e, args[2:])
		case "list":
			return runClientAlertSinkList(ctx, e, args[2:])
		case "delete":
			return runClientAlertSinkDelete(ctx, e, args[2:])
		}
	case "deliveries":
		return runClientAlertDeliveries(ctx, e, args[1:])
	case "retry":
		return runClientAlertRetry(ctx, e, args[1:])
	}
	return usagef("%s", usage)
}

func runClientAlertSinkAdd(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	var k fleet.AlertSink
	var secretFile string
	fs := newClientFlags(e, "alerts sink add", "--name N --kind webhook|syslog|smtp [OPTIONS] DESTINATION\n\n"+
		"Send alerts about new and revived findings to a webhook (https://…, signed with HMAC-SHA256 when a\n"+
		"secret is set), syslog (tcp://host:port or udp://host:port, RFC 5424 or CEF) or e-mail\n"+
		"(smtp://[user@]relay:port?from=a@b&to=c@d). The secret (HMAC key, SMTP password) is read from a file\n"+
		"and never shown again.", &a)
	fs.StringVar(&k.Name, "name", "", "the sink's name")
	fs.StringVar(&k.Kind, "kind", fleet.SinkWebhook, "webhook, syslog or smtp")
	fs.StringVar(&k.Format, "format", "", "syslog: rfc5424 (default) or cef")
	fs.IntVar(&k.MinScore, "min-score", 0, "alert only for findings scoring at least this")
	fs.StringVar(&k.MinLevel, "min-level", "", "alert only for findings at least this level: info, notice, warning, alert")
	fs.StringVar(&k.Incident, "incident", "", "alert only for findings of this incident")
	fs.IntVar(&k.MaxQueue, "max-queue", 0, "pending deliveries kept for this sink (default 10000); more are counted as overflow")
	fs.StringVar(&secretFile, "secret-file", "", "read the webhook's HMAC key or the SMTP password from this file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || k.Name == "" {
		return usagef("--name and one destination are required")
	}
	k.Destination = fs.Arg(0)
	if secretFile != "" {
		s, err := readSecret(nil, "", secretFile, "")
		if err != nil {
			return err
		}
		k.Secret = s
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	out, err := c.AddAlertSink(ctx, k)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "alert sink %d (%s) added: %s secret=%v\n", out.ID, out.Kind, out.Destination, out.HasSecret)
	return err
}

func runClientAlertSinkList(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	var format string
	fs := newClientFlags(e, "alerts sink list", "[OPTIONS]\n\nList alert sinks with their queues.", &a)
	fs.StringVar(&format, "format", "table", "table or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	ks, err := c.AlertSinks(ctx)
	if err != nil {
		return err
	}
	if format == "json" {
		return writeJSONOut(e, map[string]any{"sinks": ks})
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tKIND\tDESTINATION\tMIN SCORE\tMIN LEVEL\tINCIDENT\tSECRET\tPENDING\tDEAD\tOVERFLOW")
	for _, k := range ks {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%v\t%d\t%d\t%d\n", k.ID, k.Name, k.Kind, k.Destination, k.MinScore, k.MinLevel, k.Incident, k.HasSecret, k.Pending, k.Dead, k.Overflow)
	}
	return tw.Flush()
}

func runClientAlertSinkDelete(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	fs := newClientFlags(e, "alerts sink delete", "SINK_ID\n\nRemove an alert sink and its queue.", &a)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if fs.NArg() != 1 || err != nil {
		return usagef("one sink id is required")
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	return c.DeleteAlertSink(ctx, id)
}

func runClientAlertDeliveries(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	var state, format string
	var limit int
	fs := newClientFlags(e, "alerts deliveries", "[--state pending|sent|dead] [OPTIONS]\n\nList alert deliveries, newest first; --state dead lists the dead letters.", &a)
	fs.StringVar(&state, "state", "", "pending, sent or dead")
	fs.IntVar(&limit, "limit", 100, "at most this many")
	fs.StringVar(&format, "format", "table", "table or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	ds, err := c.AlertDeliveries(ctx, state, limit)
	if err != nil {
		return err
	}
	if format == "json" {
		return writeJSONOut(e, map[string]any{"deliveries": ds})
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSINK\tFINDING\tEVENT\tSTATE\tATTEMPTS\tLAST\tERROR")
	for _, d := range ds {
		last := "-"
		if !d.LastAt.IsZero() {
			last = d.LastAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%.80s\n", d.ID, d.SinkName, d.FindingID, d.Event, d.State, d.Attempts, last, d.LastError)
	}
	return tw.Flush()
}

func runClientAlertRetry(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	fs := newClientFlags(e, "alerts retry", "DELIVERY_ID\n\nPut a dead delivery back in the queue.", &a)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if fs.NArg() != 1 || err != nil {
		return usagef("one delivery id is required")
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	return c.RetryAlertDelivery(ctx, id)
}
