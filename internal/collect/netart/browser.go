package netart

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
)

// Default bounds of the browser collector.
const (
	DefaultMaxRows    = 200_000
	DefaultMaxDBBytes = 512 << 20
	DefaultDBTimeout  = 2 * time.Minute
)

// BrowserOptions bound the work spent on one database. Zero fields take
// the defaults.
type BrowserOptions struct {
	// MaxRows caps the rows read by each query (URLs, downloads); a cut is
	// recorded as an error for the database.
	MaxRows int
	// MaxDBBytes caps each copied file (the database, its -wal, its
	// -journal); a larger database is not read.
	MaxDBBytes int64
	// Timeout bounds copying and querying one database.
	Timeout time.Duration
}

// Browser reads Chromium-family History and Firefox places.sqlite databases
// into browser-visit and browser-download artifacts. It copies each
// database, with its -wal and -journal siblings, into the scratch
// directory and opens only the copy, read-only: the scanned file is never
// opened by SQLite, so a live browser's locks and files are untouched.
type Browser struct {
	opt BrowserOptions
}

// NewBrowser returns the browser-history collector.
func NewBrowser(opt BrowserOptions) *Browser {
	if opt.MaxRows <= 0 {
		opt.MaxRows = DefaultMaxRows
	}
	if opt.MaxDBBytes <= 0 {
		opt.MaxDBBytes = DefaultMaxDBBytes
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultDBTimeout
	}
	return &Browser{opt: opt}
}

// Name implements collect.PathCollector.
func (*Browser) Name() string { return "browser" }

// WantsPath implements collect.PathCollector: a History or places.sqlite
// file inside a known browser profile directory of a user's home.
func (*Browser) WantsPath(_ *collect.Env, rel string) bool {
	_, _, ok := profileDB(rel)
	return ok
}

// CollectPath implements collect.PathCollector. It returns an error when
// the database could not be read at all; partial problems (a table
// unreadable, a row cap reached, a sibling too large) go to the sink.
func (b *Browser) CollectPath(ctx context.Context, env *collect.Env, rel string, sink collect.Sink) error {
	browser, family, ok := profileDB(rel)
	if !ok {
		return fmt.Errorf("browser %s: not a known browser profile database", rel)
	}
	if env.TempDir == "" {
		return errors.New("browser: no scratch directory to copy databases into")
	}
	dir, err := os.MkdirTemp(env.TempDir, "browserdb-")
	if err != nil {
		return fmt.Errorf("browser %s: %w", rel, err)
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(ctx, b.opt.Timeout)
	defer cancel()
	c, err := copyDB(ctx, env.FS, rel, dir, b.opt.MaxDBBytes)
	if err != nil {
		return fmt.Errorf("browser %s: %w", rel, err)
	}
	for _, n := range c.Notes {
		sink.AddError(rel, "read", n)
	}
	res, err := readCopy(ctx, c, b.opt.MaxRows, familyQueries(family))
	if err != nil {
		return fmt.Errorf("browser %s: %w", rel, err)
	}
	b.emit(env, rel, browser, res, sink)
	return nil
}

func familyQueries(family string) []queryFunc {
	if family == familyFirefox {
		return []queryFunc{firefoxVisits, firefoxDownloads}
	}
	return []queryFunc{chromeVisits, chromeDownloads}
}

func (b *Browser) emit(env *collect.Env, rel, browser string, res *readResult, sink collect.Sink) {
	src := env.Display(rel)
	user := collect.UserFromPath(env.OS, rel)
	for _, a := range res.Artifacts {
		a.Browser, a.User, a.Source = browser, user, src
		sink.AddArtifact(a)
	}
	for _, n := range res.Notes {
		sink.AddError(rel, "parse:"+b.Name(), n)
	}
}

var _ collect.PathCollector = (*Browser)(nil)
