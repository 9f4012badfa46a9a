package yara

import (
	"strings"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// fileTypeNames are the `filetype` values of the snapshot's file types,
// in the upper-case style of Loki's and THOR's (EXE for any PE image).
var fileTypeNames = map[string]string{
	snapshot.TypePE: "EXE", snapshot.TypeELF: "ELF", snapshot.TypeMachO: "MACHO",
	snapshot.TypeOLE: "OLE", snapshot.TypeMSI: "MSI", snapshot.TypeZIP: "ZIP",
	snapshot.TypeDMG: "DMG", snapshot.TypeScript: "SCRIPT",
}

// FileExternals are the external variables of one file, as Loki and THOR
// set them: filename (the base name), filepath (the full path as the
// scanned system names it), extension (lower case, with its dot: ".dll";
// "" when none), filetype (EXE, ELF, MACHO, MSI, OLE, ZIP, DMG, SCRIPT,
// else UNKNOWN) and owner (the user whose profile holds the file, when it
// is in one; cascade does not resolve file ownership).
func FileExternals(rec *snapshot.File) map[string]any {
	p := rec.Path
	base := p[strings.LastIndexAny(p, `/\`)+1:]
	ext := ""
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		ext = strings.ToLower(base[i:])
	}
	ft, ok := fileTypeNames[rec.Type]
	if !ok {
		ft = "UNKNOWN"
	}
	return map[string]any{"filename": base, "filepath": p, "extension": ext, "filetype": ft, "owner": rec.User}
}
