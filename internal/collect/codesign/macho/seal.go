package macho

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"howett.net/plist"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/codesign/anomaly"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// SealLimits bound one bundle check; zero fields take the defaults.
type SealLimits struct {
	MaxFiles    int   // files walked (100 000)
	MaxBytes    int64 // bytes hashed in total (8 GiB)
	MaxFileSize int64 // the executable and plists read into memory (512 MiB)
}

func (l SealLimits) withDefaults() SealLimits {
	if l.MaxFiles <= 0 {
		l.MaxFiles = 100_000
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = 8 << 30
	}
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = 512 << 20
	}
	return l
}

// SealReport is the outcome of checking one bundle's seal.
type SealReport struct {
	// Executable is the main executable's path in the FS: the file the
	// anomalies belong to.
	Executable string
	// Sealed is the number of sealed entries, Checked the files verified.
	Sealed, Checked int
	Anomalies       []snapshot.Anomaly
}

// Seal checks the app bundle at bundle (a slash path in fsys, the .app
// directory): that its main executable binds Info.plist and
// _CodeSignature/CodeResources, that every sealed file is present and
// unchanged, and that no unsealed file was added where the rules seal.
// Files are read through fsys only, never executed.
func Seal(ctx context.Context, fsys fs.FS, bundle string, lim SealLimits) (*SealReport, error) {
	lim = lim.withDefaults()
	contents := path.Join(bundle, "Contents")
	info, err := readLimited(fsys, path.Join(contents, "Info.plist"), 1<<20)
	if err != nil {
		return nil, err
	}
	seal, err := readLimited(fsys, path.Join(contents, "_CodeSignature", "CodeResources"), 16<<20)
	if err != nil {
		return nil, err
	}
	exe := executableName(info, bundle)
	c := &sealCheck{ctx: ctx, fsys: fsys, contents: contents, exe: exe, lim: lim,
		rep: &SealReport{Executable: path.Join(contents, "MacOS", exe)}}
	if err := c.checkBinding(info, seal); err != nil {
		return c.rep, err
	}
	doc, err := parseSeal(seal)
	if err != nil {
		return c.rep, err
	}
	c.doc = doc
	c.rep.Sealed = len(doc.files)
	if err := c.checkSealed(); err != nil {
		return c.rep, err
	}
	if err := c.findAdded(); err != nil {
		return c.rep, err
	}
	c.report()
	return c.rep, nil
}

func executableName(info []byte, bundle string) string {
	var p struct {
		Exe string `plist:"CFBundleExecutable"`
	}
	if _, err := plist.Unmarshal(info, &p); err == nil && p.Exe != "" && !strings.ContainsAny(p.Exe, "/\x00") {
		return p.Exe
	}
	return strings.TrimSuffix(path.Base(bundle), ".app")
}

func readLimited(fsys fs.FS, name string, limit int64) ([]byte, error) {
	b, err := collect.ReadCapped(fsys, name, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}

// sealCheck carries one bundle check.
type sealCheck struct {
	ctx                     context.Context
	fsys                    fs.FS
	contents, exe           string
	lim                     SealLimits
	doc                     *sealDoc
	rep                     *SealReport
	hashed                  int64
	changed, missing, added []string
}

// checkBinding compares the executable's special slots 1 (Info.plist) and 3
// (CodeResources) with the files.
func (c *sealCheck) checkBinding(info, seal []byte) error {
	cds, err := c.codeDirsOf(c.rep.Executable)
	if err != nil {
		c.flag(fmt.Sprintf("the main executable %s has no readable code signature (%v), so nothing binds the seal", c.exe, err))
		return nil
	}
	for _, cd := range cds {
		for _, b := range []struct {
			slot int
			data []byte
			name string
		}{{1, info, "Info.plist"}, {3, seal, "_CodeSignature/CodeResources"}} {
			stored := cd.specialSlot(b.slot)
			if stored == nil || isZero(stored) {
				c.flag(fmt.Sprintf("the %s code directory of %s does not bind %s", hashTypes[cd.hashType].name, c.exe, b.name))
				continue
			}
			h := cd.hash().New()
			h.Write(b.data)
			if !bytes.Equal(h.Sum(nil)[:cd.hashSize], stored) {
				c.flag(fmt.Sprintf("%s is not the one %s was signed with (%s special slot %d differs)",
					b.name, c.exe, hashTypes[cd.hashType].name, b.slot))
			}
		}
	}
	return nil
}

func (c *sealCheck) flag(detail string) {
	c.rep.Anomalies = append(c.rep.Anomalies, anomaly.New(anomaly.BundleSealBroken, detail))
}

// codeDirsOf returns the code directories of every slice of a Mach-O file.
func (c *sealCheck) codeDirsOf(name string) ([]*codeDir, error) {
	b, err := readLimited(c.fsys, name, c.lim.MaxFileSize)
	if err != nil {
		return nil, err
	}
	r := bytes.NewReader(b)
	sl, err := archSlices(r, int64(len(b)))
	if err != nil {
		return nil, err
	}
	var out []*codeDir
	for _, s := range sl {
		if !s.hasSig || s.sigOff+s.sigSize > s.size || s.sigSize < 12 {
			continue
		}
		sb, err := parseSuperBlob(b[s.off+s.sigOff : s.off+s.sigOff+s.sigSize])
		if err != nil {
			return nil, err
		}
		cds, err := codeDirs(sb)
		if err != nil {
			return nil, err
		}
		out = append(out, cds...)
	}
	if len(out) == 0 {
		return nil, errors.New("not signed")
	}
	return out, nil
}
