package cli

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/intelstore"
	"github.com/cascade-ir/cascade/internal/intel/load"
	"github.com/cascade-ir/cascade/internal/intel/packs"
)

// envIntelStore names the environment variable that moves the intel store.
const envIntelStore = "CASCADE_INTEL_STORE"

// intelFlags choose the intel a command matches with.
type intelFlags struct {
	paths          stringList
	noBuiltin      bool
	storeDir       string
	noStore        bool
	showSuppressed bool
}

func (f *intelFlags) register(fs *flag.FlagSet) {
	f.registerSources(fs)
	fs.BoolVar(&f.showSuppressed, "show-suppressed", false, "also report findings a warninglist suppressed, marked as such")
}

// registerSources declares the flags that choose what intel is loaded.
func (f *intelFlags) registerSources(fs *flag.FlagSet) {
	fs.Var(&f.paths, "intel", "load intel from this file or directory too (repeatable): cascade JSON, STIX 2.1, MISP events, feeds and warninglists, signature-base lists, YARA rule files (.yar, .yara)")
	fs.BoolVar(&f.noBuiltin, "no-builtin", false, "do not load the built-in intel packs")
	f.registerStore(fs)
}

func (f *intelFlags) registerStore(fs *flag.FlagSet) {
	fs.StringVar(&f.storeDir, "intel-store", "", "the local intel store (default $"+envIntelStore+", else cascade/intel in the user's configuration directory)")
	fs.BoolVar(&f.noStore, "no-store", false, "do not load the local intel store")
}

// load returns the built-in packs (unless disabled) merged with the local
// store and the files named. Bad files are an error naming every one of
// them: a command never runs on part of the intel it was given, since a
// sweep that ends "nothing found" without the intel meant for it is the
// one outcome an incident responder cannot tell from a clean machine.
func (f *intelFlags) load(e *env) (*intel.Intel, error) {
	all := &intel.Intel{}
	if !f.noBuiltin {
		b, err := builtinIntel()
		if err != nil {
			return nil, err
		}
		all.Merge(b)
	}
	if !f.noStore {
		s, err := f.store(e)
		if err != nil {
			return nil, err
		}
		in, err := s.Load()
		if err != nil {
			return nil, err
		}
		all.Merge(in)
	}
	if len(f.paths) > 0 {
		in, err := load.Paths(f.paths)
		if err != nil {
			return nil, intelFilesError(err)
		}
		all.Merge(in)
	}
	return all, nil
}

// store opens the intel store: --intel-store, else $CASCADE_INTEL_STORE,
// else the default under the user's configuration directory. This is the
// one place the variable is read.
func (f *intelFlags) store(e *env) (*intelstore.Store, error) {
	dir := f.storeDir
	if dir == "" {
		dir = e.getenv(envIntelStore)
	}
	if dir == "" {
		d, err := intelstore.DefaultDir()
		if err != nil {
			return nil, fmt.Errorf("%w; set --intel-store or %s", err, envIntelStore)
		}
		dir = d
	}
	return intelstore.Open(dir), nil
}

// filterSuppressed drops findings a warninglist suppressed, unless they
// were asked for.
func (f *intelFlags) filterSuppressed(fs []finding.Finding) []finding.Finding {
	if f.showSuppressed {
		return fs
	}
	out := fs[:0]
	for _, x := range fs {
		if x.Suppressed == "" {
			out = append(out, x)
		}
	}
	return out
}

// builtinIntel is the embedded packs.
func builtinIntel() (*intel.Intel, error) { return packs.Load() }

// intelFilesError lists the intel files that could not be loaded, one per
// line, under a line saying nothing was done.
func intelFilesError(err error) error {
	var bad load.Errors
	if !errors.As(err, &bad) {
		return err
	}
	return badIntelFiles{bad}
}

type badIntelFiles struct{ bad load.Errors }

func (e badIntelFiles) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d intel file(s) could not be loaded; nothing was done (fix them or leave them out; 'cascade intel validate' checks them):", len(e.bad))
	for _, err := range e.bad {
		for _, line := range strings.Split(err.Error(), "\n") {
			b.WriteString("\n  " + line)
		}
	}
	return b.String()
}

func (e badIntelFiles) Unwrap() error { return e.bad }
