package peinfo

import (
	"errors"
	"fmt"

	"github.com/saferwall/pe"
	pelog "github.com/saferwall/pe/log"

	"github.com/cascade-ir/cascade/internal/guard"
)

// quiet discards saferwall's log lines: library code never prints.
type quiet struct{}

func (quiet) Log(pelog.Level, ...any) error { return nil }

// readVersion parses the version resource and the debug directory (for a
// REPRO entry) with saferwall/pe, skipping every other data directory. Certificate validation is always off:
// on Windows it would run certutil and reach the network.
func readVersionSaferwall(b []byte, meta map[string]string) (err error) {
	defer guard.Recover(&err, "PE parser", "version resource")
	f, err := pe.NewBytes(b, &pe.Options{
		DisableCertValidation: true, DisableSignatureValidation: true,
		OmitSecurityDirectory: true, OmitExportDirectory: true, OmitImportDirectory: true,
		OmitExceptionDirectory: true, OmitRelocDirectory: true,
		OmitArchitectureDirectory: true, OmitGlobalPtrDirectory: true, OmitTLSDirectory: true,
		OmitLoadConfigDirectory: true, OmitBoundImportDirectory: true, OmitIATDirectory: true,
		OmitDelayImportDirectory: true, OmitCLRHeaderDirectory: true, OmitCLRMetadata: true,
		MaxCOFFSymbolsCount: 1, MaxRelocEntriesCount: 1, Logger: quiet{},
	})
	if err != nil {
		return fmt.Errorf("version resource: %w", err)
	}
	if err := f.Parse(); err != nil {
		return fmt.Errorf("version resource: PE parse: %w", err)
	}
	for _, d := range f.Debugs {
		if d.Struct.Type == pe.ImageDebugTypeRepro {
			meta[MetaReproducible] = "true"
		}
	}
	vers, err := f.ParseVersionResources()
	for name, key := range versionKeys {
		if v := clean(vers[name]); v != "" {
			meta[key] = v
		}
	}
	if err != nil && !errors.Is(err, pe.ErrOutsideBoundary) {
		return fmt.Errorf("version resource: %w", err)
	}
	return nil
}
