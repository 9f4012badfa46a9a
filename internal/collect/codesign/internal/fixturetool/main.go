// Command fixturetool builds and edits the binaries that
// testdata/fixtures/signed.sh signs: tiny PE images with version resources,
// byte-level tampering of signed PE files (the padding trick, a patched
// section, bytes after the certificate table), Mach-O CMS signing and fat
// binaries, and app-bundle seals. It is a test-only tool: nothing in cascade
// imports it.
package main

import (
	"fmt"
	"os"

	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/pegen"
)

var commands = map[string]func(args []string) error{
	"pe":          cmdPE,
	"pe-pad":      peEdit(pegen.Pad),
	"pe-append":   peEdit(pegen.Append),
	"pe-dirgrow":  peEdit(pegen.DirGrow),
	"pe-flip":     cmdPEFlip,
	"pe-corpus":   cmdPECorpus,
	"replace":     cmdReplace,
	"macho-sign":  cmdMachOSign,
	"macho-fat":   cmdMachOFat,
	"macho-flip":  cmdMachOFlip,
	"bundle-seal": cmdBundleSeal,
	"catalog":     cmdCatalog,
}

func main() {
	if len(os.Args) < 2 || commands[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, "usage: fixturetool pe|pe-pad|pe-append|pe-dirgrow|pe-flip|replace|macho-sign|macho-fat|macho-flip|bundle-seal|catalog ARGS")
		os.Exit(2)
	}
	if err := commands[os.Args[1]](os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "fixturetool %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}
