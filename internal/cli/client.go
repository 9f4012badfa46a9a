package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/cascade-ir/cascade/internal/fleet/fleetclient"
)

// clientCommands are the subcommands of `cascade client`.
func clientCommands() []command {
	return []command{
		{"hosts", "list hosts", runClientHosts},
		{"search", "find every host that has or ever had a digest, file name or path, product@range, domain, URL or IP", runClientSearch},
		{"incident", "show an incident: what the intel says, the incidents it is tied to (with the source), the hosts it affects", runClientIncident},
		{"findings", "list findings (table, jsonl, csv or json); exit 1 when any is listed", runClientFindings},
		{"triage", "set a finding's state: new, acknowledged, false_positive (with --reason) or resolved", runClientTriage},
		{"import-intel", "import intel files; each change starts a retro-hunt over every host's history", runClientImportIntel},
		{"import-snapshot", "store a `cascade inventory` file or a CycloneDX/SPDX SBOM as a host's snapshot", runClientImportSnapshot},
		{"token", "create an admin, analyst, enrollment or TAXII token: token create --role R --name N", runClientToken},
		{"trace", "saved traces and trace inputs: trace list | show ID | recompute ID | delete ID | inputs | add-input --kind K FILE | delete-input ID", runClientTrace},
		{"feed", "add, list or delete intel feeds: URLs, TAXII 2.1 collections, MISP instances", runClientFeed},
		{"reenroll", "allow an enrolled host to enroll again: print a one-use enrollment token bound to it", runClientReenroll},
		{"taxii", "TAXII collections: collection add|list|grant|grants|delete, publish, objects (sightings)", runClientTAXII},
		{"alerts", "alert sinks and deliveries: alerts sink add|list|delete, deliveries [--state dead], retry ID", runClientAlerts},
		{"assign", "assign a finding (or --incident) to a person: assign ID PERSON, or --clear ID", runClientAssign},
		{"comment", "comment on a finding (or --incident): comment ID TEXT", runClientComment},
		{"notes", "show a finding's (or --incident's) assignment and notes", runClientNotes},
		{"bulk-state", "set the state of many findings with one reason: bulk-state --to S --reason R ID... | --all FILTERS", runClientBulkState},
		{"export", "stream the findings the filters select as csv, jsonl or stix (2.1 sightings)", runClientExport},
		{"yara-hunt", "push YARA rules to the agents and follow the hunt: yara-hunt create [--host ID] [--role R] RULES.yar | list | show ID | cancel ID", runClientYARAHunt},
	}
}

func runClient(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := e.stderr
		if len(args) > 0 {
			w = e.stdout
		}
		printClientUsage(w)
		if len(args) == 0 {
			return usagef("a subcommand is required")
		}
		return nil
	}
	for _, c := range clientCommands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	return usagef("unknown client subcommand %q", args[0])
}

func printClientUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: cascade client SUBCOMMAND --server URL [--token T | --token-file F] [OPTIONS]")
	fmt.Fprintln(w, "\nSubcommands:")
	for _, c := range clientCommands() {
		fmt.Fprintf(w, "  %-16s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nThe server and token may come from CASCADE_SERVER and CASCADE_TOKEN.")
}

// apiFlags are the flags every client subcommand shares.
type apiFlags struct {
	conn      connFlags
	token     string
	tokenFile string
}

func (a *apiFlags) register(fs *flag.FlagSet) {
	a.conn.register(fs)
	fs.StringVar(&a.token, "token", "", "API token (env CASCADE_TOKEN)")
	fs.StringVar(&a.tokenFile, "token-file", "", "read the API token from this file")
}

func (a *apiFlags) client(e *env) (*fleetclient.Client, error) {
	conf, err := a.conn.resolve(e)
	if err != nil {
		return nil, err
	}
	tok, err := readSecret(e, a.token, a.tokenFile, "CASCADE_TOKEN")
	if err != nil {
		return nil, err
	}
	if tok == "" {
		return nil, usagef("a token is required (--token, --token-file or CASCADE_TOKEN)")
	}
	c := fleetclient.New(a.conn.server, tok, conf)
	c.UserAgent = "cascade/" + Version
	return c, nil
}

// newClientFlags starts a subcommand's flag set with the shared flags.
func newClientFlags(e *env, name, usage string, a *apiFlags) *flag.FlagSet {
	fs := newFlags(e, "client "+name, "client "+name+" "+usage)
	a.register(fs)
	return fs
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
