package cli

import (
	"flag"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/load"
	"github.com/cascade-ir/cascade/internal/intel/packs"
)

// intelFlags choose the intel a command matches with.
type intelFlags struct {
	paths     stringList
	noBuiltin bool
}

func (f *intelFlags) register(fs *flag.FlagSet) {
	fs.Var(&f.paths, "intel", "load intel from this file or directory too (repeatable): cascade JSON, STIX 2.1, MISP, signature-base lists")
	fs.BoolVar(&f.noBuiltin, "no-builtin", false, "do not load the built-in intel packs")
}

// load returns the built-in packs (unless disabled) merged with the files
// named. A bad file is an error naming it.
func (f *intelFlags) load() (*intel.Intel, error) {
	all := &intel.Intel{}
	if !f.noBuiltin {
		b, err := builtinIntel()
		if err != nil {
			return nil, err
		}
		all.Merge(b)
	}
	if len(f.paths) > 0 {
		in, err := load.Paths(f.paths)
		if err != nil {
			return nil, err
		}
		all.Merge(in)
	}
	return all, nil
}

// builtinIntel is the embedded packs.
func builtinIntel() (*intel.Intel, error) { return packs.Load() }
