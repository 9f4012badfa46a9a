package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/cascade-ir/cascade/internal/collect/codesign"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/visible"
)

type inspectOptions struct {
	json     bool
	roots    string
	catalogs string
	noVendor bool
	path     string
}

func runInspect(ctx context.Context, e *env, args []string) error {
	var o inspectOptions
	fs := newFlags(e, "inspect", "inspect [--json] [--roots PEM] [--catalogs DIR] FILE|APP\n\n"+
		"Exit 0: no anomalies; 1: the record lists anomalies; 2: error.")
	fs.BoolVar(&o.json, "json", false, "print the record as JSON")
	fs.StringVar(&o.roots, "roots", "", "PEM bundle of trusted roots for chain checks (default none: chains are reported as not verified)")
	fs.StringVar(&o.roots, "trusted-roots", "", "the same as --roots, under the name scan uses")
	fs.StringVar(&o.catalogs, "catalogs", "", "a directory of Windows catalogs (*.cat), such as an image's Windows/System32/CatRoot: a PE they list gets a catalog signature")
	fs.BoolVar(&o.noVendor, "no-vendor-check", false, "do not flag a version resource naming another vendor than the signer")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("want exactly one FILE (or .app bundle), got %d arguments", fs.NArg())
	}
	o.path = fs.Arg(0)
	opts := codesign.Options{RootsFile: o.roots, SkipVendorCheck: o.noVendor}
	if o.catalogs != "" {
		if st, err := os.Stat(o.catalogs); err != nil || !st.IsDir() {
			return usagef("--catalogs %s: not a directory", o.catalogs)
		}
		x, probs, err := codesign.LoadCatalogs(os.DirFS(o.catalogs), ".", func(p string) string { return filepath.Join(o.catalogs, p) }, opts)
		if err != nil {
			return err
		}
		for _, p := range probs {
			fmt.Fprintf(e.stderr, "cascade inspect: catalog %s: %v\n", filepath.Join(o.catalogs, p.Path), p.Err)
		}
		if x.Len() == 0 {
			fmt.Fprintf(e.stderr, "cascade inspect: no readable catalog under %s\n", o.catalogs)
		}
		opts.Catalogs = x
	}
	ins, err := codesign.Inspect(ctx, o.path, opts)
	if err != nil {
		return err
	}
	if o.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(ins)
	} else {
		err = printInspection(e.stdout, ins)
	}
	if err == nil && len(ins.File.Anomalies) > 0 {
		return errFindings // exit 1, as scan does for findings
	}
	return err
}

func printInspection(w io.Writer, ins *codesign.Inspection) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	f := &ins.File
	// Values come from the file: shown escaped (visible.String), so a
	// right-to-left override or a control character cannot rewrite the
	// terminal's text.
	row := func(indent, k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s%s\t%s\n", indent, visible.String(k), visible.String(v))
		}
	}
	row("", "File", f.Path)
	row("", "Type", f.Type)
	row("", "Size", fmt.Sprintf("%d bytes", f.Size))
	row("", "SHA-256", f.SHA256)
	row("", "SHA-1", f.SHA1)
	row("", "MD5", f.MD5)
	if ins.Bundle != nil {
		row("", "Bundle seal", fmt.Sprintf("%d sealed entries, %d files checked", ins.Bundle.Sealed, ins.Bundle.Checked))
	}
	row("", "Error", ins.Error)
	if len(f.Meta) > 0 {
		fmt.Fprintln(tw, "\nMetadata")
		keys := make([]string, 0, len(f.Meta))
		for k := range f.Meta {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			row("  ", k, f.Meta[k])
		}
	}
	if len(f.Signatures) == 0 {
		fmt.Fprintln(tw, "\nSignatures\tnone")
	}
	for i := range f.Signatures {
		printSignature(tw, i+1, &f.Signatures[i], row)
	}
	if ins.Catalog != nil {
		printCatalog(tw, ins.Catalog, row)
	}
	fmt.Fprintf(tw, "\nAnomalies\t%d\n", len(f.Anomalies))
	for _, a := range f.Anomalies {
		where := ""
		if a.Length > 0 {
			where = fmt.Sprintf(" [%d bytes at %#x]", a.Length, a.Offset)
		}
		fmt.Fprintf(tw, "  %s\t%s%s\n", a.Kind, visible.String(a.Detail), where)
	}
	return tw.Flush()
}

func printSignature(tw io.Writer, n int, s *snapshot.Signature, row func(indent, k, v string)) {
	title := fmt.Sprintf("\nSignature %d\t%s", n, s.Format)
	if s.Nested {
		title += ", nested"
	}
	if s.Arch != "" {
		title += ", " + s.Arch
	}
	fmt.Fprintln(tw, title)
	if c := s.Signer; c != nil {
		row("  ", "Signer", c.Subject)
		row("  ", "Issuer", c.Issuer)
		row("  ", "Serial", c.Serial)
		row("  ", "SHA-1", c.SHA1)
		row("  ", "SHA-256", c.SHA256)
		row("  ", "Valid", c.NotBefore.Format(time.RFC3339)+" to "+c.NotAfter.Format(time.RFC3339))
	}
	row("  ", "Catalog", s.Catalog)
	row("  ", "Member", s.CatalogMember)
	row("  ", "Identifier", s.Identifier)
	row("  ", "Team ID", s.TeamID)
	row("  ", "CDHash", s.CDHash)
	row("  ", "Flags", strings.Join(s.Flags, ","))
	row("  ", "Program", strings.TrimSpace(s.ProgramName+" "+s.ProgramURL))
	row("  ", "Digest", digestLine(s))
	row("  ", "CMS signature", verdict(s.SignatureVerified, s.SignatureError))
	if s.SigningTime != nil {
		row("  ", "Signing time", s.SigningTime.Format(time.RFC3339)+" (claimed by the signer)")
	}
	if ts := s.Timestamp; ts != nil {
		row("  ", "Timestamp", fmt.Sprintf("%s %s by %s: %s; chain %s", ts.Time.Format(time.RFC3339), ts.Kind,
			ts.Authority, verdict(ts.Verified, ts.Error), weakly(verdict(ts.ChainVerified, ts.ChainError), ts.ChainWeak)))
	} else if s.Signer != nil {
		row("  ", "Timestamp", "none")
	}
	if s.Signer != nil {
		row("  ", "Chain", weakly(verdict(s.ChainVerified, s.ChainError), s.ChainWeak))
	}
	for i, c := range s.Chain {
		row("  ", fmt.Sprintf("  [%d]", i), c.Subject)
	}
	row("  ", "Error", s.Error)
}

// printCatalog lists a catalog's members. Names come from the file, so
// control characters are shown as '?'.
func printCatalog(tw io.Writer, c *codesign.CatalogReport, row func(indent, k, v string)) {
	fmt.Fprintf(tw, "\nCatalog\t%d members\n", len(c.Members))
	row("  ", "List ID", c.ListID)
	if !c.ThisUpdate.IsZero() {
		row("  ", "Updated", c.ThisUpdate.Format(time.RFC3339))
	}
	for _, p := range c.Problems {
		row("  ", "Problem", printable(p))
	}
	fmt.Fprintln(tw, "  Members") // no tab: member names get their own column
	for _, m := range c.Members {
		name, how := printable(m.Name), ""
		if name == "" {
			name = "-"
		}
		if m.ByTag {
			how = " (by tag)"
		}
		fmt.Fprintf(tw, "    %s\t%s %s%s\n", name, m.DigestAlgorithm, m.Digest, how)
	}
}

func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
}

func digestLine(s *snapshot.Signature) string {
	if s.DigestMatch == nil {
		return ""
	}
	what := s.DigestAlgorithm + " " + s.SignedDigest
	if s.Format == snapshot.SigMachO {
		what = s.DigestAlgorithm + " code pages"
	}
	if *s.DigestMatch {
		return what + ": matches the file"
	}
	if s.ComputedDigest != "" {
		return what + ": MISMATCH, the file has " + s.ComputedDigest
	}
	return what + ": MISMATCH"
}

// weakly adds how a chain was verified when it needed SHA-1 signatures.
func weakly(v, weak string) string {
	if weak == "" {
		return v
	}
	return v + " " + weak
}

func verdict(ok *bool, why string) string {
	switch {
	case ok == nil && why != "":
		return why
	case ok == nil:
		return "not checked"
	case *ok:
		return "verified"
	}
	return "FAILED: " + why
}
