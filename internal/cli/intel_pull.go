package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/feedclient/taxiiclient"
	"github.com/cascade-ir/cascade/internal/intel/intelstore"
	"github.com/cascade-ir/cascade/internal/taxii"
)

// taxiiFlags are the connection flags of intel pull and intel push.
type taxiiFlags struct {
	collection, user, passwordFile, tokenFile string
	timeout                                   time.Duration
}

func (t *taxiiFlags) register(fs interface {
	StringVar(*string, string, string, string)
	DurationVar(*time.Duration, string, time.Duration, string)
}) {
	fs.StringVar(&t.collection, "collection", "", "the TAXII collection id (required)")
	fs.StringVar(&t.user, "user", "", "HTTP Basic user")
	fs.StringVar(&t.passwordFile, "password-file", "", "read the HTTP Basic password from this file")
	fs.StringVar(&t.tokenFile, "token-file", "", "read a bearer token from this file")
	fs.DurationVar(&t.timeout, "timeout", time.Minute, "give up on one request after this long")
}

// client checks the flags and makes a client for the API root URL.
func (t *taxiiFlags) client(e *env, root string) (*taxiiclient.Client, error) {
	if t.collection == "" {
		return nil, usagef("--collection is required")
	}
	if t.tokenFile != "" && (t.user != "" || t.passwordFile != "") {
		return nil, usagef("give --user/--password-file or --token-file, not both")
	}
	var a taxiiclient.Auth
	var err error
	a.User = t.user
	if t.passwordFile != "" {
		if a.Password, err = readSecret(e, "", t.passwordFile, ""); err != nil {
			return nil, err
		}
	}
	if t.tokenFile != "" {
		if a.Token, err = readSecret(e, "", t.tokenFile, ""); err != nil {
			return nil, err
		}
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c, err := taxiiclient.New(root, taxiiclient.Options{Auth: a, Timeout: t.timeout, Log: log})
	if err != nil {
		return nil, usagef("%v", err)
	}
	return c, nil
}

func runIntelPull(ctx context.Context, e *env, args []string) error {
	var t taxiiFlags
	var f intelFlags
	var after, out string
	var maxPages int
	fs := newFlags(e, "intel pull", "intel pull API_ROOT_URL --collection ID [--user U --password-file F | --token-file F] [--added-after T] [-o FILE]\n\n"+
		"Read a TAXII 2.1 collection's objects (added after T, page by page) into a STIX bundle: written to FILE,\n"+
		"or imported into the local intel store that scan reads. The last X-TAXII-Date-Added-Last is printed\n"+
		"on standard error: pass it as --added-after to read only what was added since.")
	t.register(fs)
	f.registerStore(fs)
	fs.StringVar(&after, "added-after", "", "only objects added after this time (RFC 3339)")
	fs.StringVar(&out, "o", "", "write the bundle to this file instead of importing it")
	fs.IntVar(&maxPages, "max-pages", taxiiclient.DefaultMaxPages, "stop after this many pages")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("one API root URL is required")
	}
	if after != "" {
		if _, err := taxii.ParseTime(after); err != nil {
			return usagef("--added-after: %v", err)
		}
	}
	c, err := t.client(e, fs.Arg(0))
	if err != nil {
		return err
	}
	path, tmp, err := pullTarget(out, fs.Arg(0), t.collection)
	if err != nil {
		return err
	}
	if tmp != "" {
		defer os.RemoveAll(tmp)
	}
	res, err := pullToFile(ctx, c, fs.Arg(0), t.collection, after, maxPages, path)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%d objects in %d pages (%d malformed skipped); next --added-after %s\n", res.Objects, res.Pages, res.Skipped, res.Cursor)
	if out != "" || res.Objects == 0 {
		return nil
	}
	s, err := f.store(e)
	if err != nil {
		return err
	}
	r, err := s.Import(path, intelstore.ImportOptions{})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "imported as %s (%d indicators) into %s\n", r.Entry.ID, r.Entry.Indicators, s.Dir)
	return err
}

// pullTarget is the file a pull writes: -o, or a file in a temporary
// directory named after the server and collection (the store keeps the
// name).
func pullTarget(out, root, collection string) (path, tmp string, err error) {
	if out != "" {
		return out, "", nil
	}
	tmp, err = os.MkdirTemp("", "cascade-pull-")
	if err != nil {
		return "", "", err
	}
	host := "taxii"
	if u, err := url.Parse(root); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	name := fmt.Sprintf("taxii-%s-%s-%s.json", host, collection, time.Now().UTC().Format("20060102T150405Z"))
	name = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r < ' ' {
			return '_'
		}
		return r
	}, name)
	return filepath.Join(tmp, name), tmp, nil
}

// pullToFile streams the pulled objects into a bundle at path. A pull
// that stopped part way keeps what it read and says where to resume.
func pullToFile(ctx context.Context, c *taxiiclient.Client, root, collection, after string, maxPages int, path string) (taxiiclient.PullResult, error) {
	fh, err := os.Create(path)
	if err != nil {
		return taxiiclient.PullResult{}, err
	}
	defer fh.Close()
	bw := taxiiclient.NewBundleWriter(fh)
	res, perr := c.Pull(ctx, root, collection, taxiiclient.PullOptions{AddedAfter: after, MaxPages: maxPages},
		func(objs []json.RawMessage) error { return bw.Add(objs) })
	if err := errors.Join(bw.Close(), fh.Close()); err != nil {
		return res, err
	}
	if perr != nil {
		return res, fmt.Errorf("%w (read %d objects; resume with --added-after %s)", perr, res.Objects, res.Cursor)
	}
	return res, nil
}
