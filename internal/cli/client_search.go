package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// runClientSearch is `cascade client search`: every host that has or
// ever had something, following the server's pages up to --max hits.
func runClientSearch(ctx context.Context, e *env, args []string) error {
	var a apiFlags
	var kind, since, until, format string
	var limit, maxHits int
	fs := newClientFlags(e, "search", "[OPTIONS] QUERY\n\n"+
		"Find every host that has or ever had a digest (sha256, sha1 or md5), a file name or path pattern\n"+
		"(* and ?, case-insensitive, starting with at least 3 literal characters), a product and version range\n"+
		"(name@>=1.2,<1.3), a domain (and its subdomains), a URL or an IP. Without --kind the kind is\n"+
		"inferred from the query's shape (see docs/api.md).", &a)
	fs.StringVar(&kind, "kind", "", "digest, name, path, product, domain, url or ip (default: inferred)")
	fs.StringVar(&since, "since", "", "only observations last seen at or after this time (RFC 3339 or 2006-01-02)")
	fs.StringVar(&until, "until", "", "only observations first seen at or before this time (RFC 3339 or 2006-01-02)")
	fs.StringVar(&format, "format", "table", "table, jsonl or json")
	fs.IntVar(&limit, "limit", 500, "observations the server reads per page (at most 1000)")
	fs.IntVar(&maxHits, "max", 10000, "stop after this many hits")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("search takes one QUERY (quote a pattern so the shell leaves its * alone)")
	}
	if format != "table" && format != "json" && format != "jsonl" {
		return usagef("--format must be table, jsonl or json")
	}
	c, err := a.client(e)
	if err != nil {
		return err
	}
	q := url.Values{"q": {fs.Arg(0)}, "limit": {strconv.Itoa(limit)}}
	for k, v := range map[string]string{"kind": kind, "from": since, "to": until} {
		if v != "" {
			q.Set(k, v)
		}
	}
	all := fleet.SearchResult{Hits: []fleet.SearchHit{}}
	var enc *json.Encoder
	if format == "jsonl" {
		enc = json.NewEncoder(e.stdout)
	}
	for {
		res, err := c.Search(ctx, q)
		if err != nil {
			return err
		}
		all.Kind, all.Read, all.Next = res.Kind, all.Read+res.Read, res.Next
		for _, h := range res.Hits {
			if len(all.Hits) >= maxHits {
				break
			}
			all.Hits = append(all.Hits, h)
			if enc != nil {
				if err := enc.Encode(h); err != nil {
					return err
				}
			}
		}
		if res.Next == "" || len(all.Hits) >= maxHits {
			break
		}
		q.Set("cursor", res.Next)
	}
	switch format {
	case "json":
		return writeJSONOut(e, all)
	case "jsonl":
		return nil
	}
	return writeSearchTable(e, all, maxHits)
}

// writeSearchTable prints one line a hit: host, what matched, when, and
// where the evidence was read.
func writeSearchTable(e *env, res fleet.SearchResult, maxHits int) error {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tNAME\tMATCHED\tFIRST SEEN\tLAST SEEN\tNOW\tEVIDENCE")
	hosts := map[int64]bool{}
	for _, h := range res.Hits {
		hosts[h.HostID] = true
		now := "gone"
		if h.Present {
			now = "present"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", searchCell(h.HostUID), searchCell(h.HostName), searchCell(h.Matched),
			h.FirstSeen.UTC().Format(time.RFC3339), h.LastSeen.UTC().Format(time.RFC3339), now, searchCell(searchEvidence(h)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	more := ""
	if res.Next != "" {
		more = fmt.Sprintf(" (stopped at --max %d; there are more)", maxHits)
	}
	_, err := fmt.Fprintf(e.stdout, "%d hits on %d hosts, %s search%s\n", len(res.Hits), len(hosts), res.Kind, more)
	return err
}

// searchEvidence names where an observation was read.
func searchEvidence(h fleet.SearchHit) string {
	var parts []string
	switch {
	case h.File != nil:
		parts = append(parts, "file "+h.File.Path)
		if h.File.SHA256 != "" {
			parts = append(parts, "sha256 "+h.File.SHA256)
		}
	case h.Software != nil:
		parts = append(parts, h.Software.Source)
		if h.Software.InstallPath != "" {
			parts = append(parts, h.Software.InstallPath)
		}
	case h.Artifact != nil:
		a := h.Artifact
		parts = append(parts, a.Kind)
		if a.Path != "" {
			parts = append(parts, a.Path)
		}
		if a.SHA1 != "" {
			parts = append(parts, "sha1 "+strings.ToLower(a.SHA1))
		}
		parts = append(parts, "from "+a.Source)
		parts = append(parts, artifactTimes(a)...)
	}
	return strings.Join(parts, " ")
}

// artifactTimes are an artifact's own times: when the record says the
// program ran or the entry was written, as the evidence column shows them.
func artifactTimes(a *snapshot.Artifact) []string {
	var out []string
	if a.FirstSeen != nil {
		out = append(out, "first "+a.FirstSeen.UTC().Format(time.RFC3339))
	}
	if a.LastSeen != nil {
		out = append(out, "last "+a.LastSeen.UTC().Format(time.RFC3339))
	}
	if len(a.RunTimes) > 0 {
		out = append(out, "ran "+a.RunTimes[0].UTC().Format(time.RFC3339))
	}
	return out
}

// searchCell keeps what hosts reported (paths, names) on its line of the
// table: control characters, tabs and line breaks are shown escaped;
// backslashes, common in Windows paths, are left as they are.
func searchCell(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
