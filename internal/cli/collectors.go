package cli

import (
	"io/fs"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/codesign"
	"github.com/cascade-ir/cascade/internal/collect/execart"
	"github.com/cascade-ir/cascade/internal/collect/netart"
	"github.com/cascade-ir/cascade/internal/collect/persist"
	"github.com/cascade-ir/cascade/internal/collect/reach"
	"github.com/cascade-ir/cascade/internal/collect/software/lang"
	"github.com/cascade-ir/cascade/internal/collect/software/linux"
	"github.com/cascade-ir/cascade/internal/collect/software/macos"
	"github.com/cascade-ir/cascade/internal/collect/software/windows"
	"github.com/cascade-ir/cascade/internal/scan"
	"github.com/cascade-ir/cascade/internal/source"
)

// addCollectors is the one place that chooses the concrete collectors.
// trustedRoots is a PEM bundle the code-signing chains are checked against
// ("" leaves chains unverified).
func addCollectors(o *collect.Options, trustedRoots string) error {
	cs, err := codesign.New(codesign.Options{RootsFile: trustedRoots})
	if err != nil {
		return err
	}
	o.ContentCollectors = append(o.ContentCollectors, cs)
	o.PathCollectors = append(o.PathCollectors, codesign.SealCollector{})
	o.PathCollectors = append(o.PathCollectors, windows.New(), macos.NewAppCollector(), macos.ReceiptCollector{})
	o.PathCollectors = append(o.PathCollectors, linux.Collectors()...)
	o.PathCollectors = append(o.PathCollectors, lang.Collectors()...)
	o.PathCollectors = append(o.PathCollectors, netart.Collectors()...)
	o.PathCollectors = append(o.PathCollectors, reach.Collectors()...)
	o.PathCollectors = append(o.PathCollectors, execart.New(), execart.NewRegistry())
	o.PathCollectors = append(o.PathCollectors, persist.Collectors()...)
	o.HostCollectors = append(o.HostCollectors, windows.NewLive(), reach.NewLive(), persist.NewLive())
	return nil
}

// hostInfo names images of each OS from their own records.
func hostInfo() map[string]scan.HostInfoFunc {
	return map[string]scan.HostInfoFunc{
		source.Windows: func(fsys fs.FS) (scan.HostFacts, error) {
			h, err := windows.HostInfo(fsys)
			return scan.HostFacts{Name: h.ComputerName, OSVersion: h.OSVersion()}, err
		},
		source.MacOS: func(fsys fs.FS) (scan.HostFacts, error) {
			h, err := macos.HostInfo(fsys)
			return scan.HostFacts{Name: h.Name, OSVersion: h.OSVersion}, err
		},
		source.Linux: func(fsys fs.FS) (scan.HostFacts, error) {
			h, err := linux.HostInfo(fsys)
			return scan.HostFacts{Name: h.Name, OSVersion: h.OSVersion}, err
		},
	}
}
