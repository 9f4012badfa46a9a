// Package linux inventories a Linux file tree: the packages its dpkg, rpm
// and apk databases record as installed, and what the tree records about
// the machine (os-release, host name). Every database is hostile input:
// sizes and counts are capped, and a corrupt database costs one error for
// that file, never the scan.
package linux

import (
	"context"
	"fmt"
	"strings"

	"github.com/cascade-ir/cascade/internal/collect"
)

// Ecosystems of the records this package writes.
const (
	EcosystemDpkg = "dpkg"
	EcosystemRPM  = "rpm"
	EcosystemApk  = "apk"
)

// maxField caps one text value taken from a database; names and versions
// are short, and a hostile database must not put megabytes into a record.
const maxField = 1024

// Collectors returns the dpkg, rpm and apk collectors.
func Collectors() []collect.PathCollector {
	return []collect.PathCollector{NewDpkg(), NewRPM(), NewApk()}
}

// clip trims s and cuts it to maxField bytes without splitting a character.
func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= maxField {
		return s
	}
	return strings.ToValidUTF8(s[:maxField], "")
}

// report hands a per-file problem to the sink; only a cancelled context
// is worth returning to the engine.
func report(ctx context.Context, sink collect.Sink, rel, collector string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	sink.AddError(rel, "parse:"+collector, err)
	return nil
}

// problems counts malformed parts of a file that was otherwise usable.
type problems struct {
	count int
	first error
}

func (p *problems) add(err error) {
	if p.count == 0 {
		p.first = err
	}
	p.count++
}

// err summarises the problems.
func (p *problems) err() error {
	switch p.count {
	case 0:
		return nil
	case 1:
		return p.first
	}
	return fmt.Errorf("%d malformed records, the first: %w", p.count, p.first)
}
