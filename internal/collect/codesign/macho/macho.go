// Package macho reads the code signatures of Mach-O files, thin and fat: the
// code directory facts (identifier, Team ID, CDHash, flags), every code
// page checked against its hash, the special slots that bind blobs of the
// signature, and the CMS signature verified over the code directory with
// its signer chain and timestamp. Seal checks an app bundle's
// _CodeSignature/CodeResources against the bundle's files. The parsing is
// its own and bounded: a hostile file costs at most the limits given.
package macho

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/collect/codesign/cms"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// MetaArchs lists a Mach-O file's architectures, comma-separated.
const MetaArchs = "macho.archs"

// Sig is one slice's signature; it still needs CheckChain.
type Sig struct {
	Sig    snapshot.Signature
	signer cms.Signer
}

// CheckChain verifies the signer chain against r at the verified timestamp
// time, or at now without one.
func (s *Sig) CheckChain(r *cms.Roots, now time.Time) {
	if s.signer.Cert == nil && s.signer.Stamp == nil {
		return // ad-hoc: no chain to check
	}
	s.signer.CheckChain(&s.Sig, r, now)
}

// Result is what Read found.
type Result struct {
	Sigs      []*Sig
	Anomalies []snapshot.Anomaly
	Meta      map[string]string
}

// record collects one slice's findings.
type record struct {
	sig       snapshot.Signature
	signer    cms.Signer
	anomalies []snapshot.Anomaly
}

func (rec *record) addError(msg string) {
	if rec.sig.Error != "" {
		rec.sig.Error += "; "
	}
	rec.sig.Error += msg
}

// Read parses the Mach-O file r of size bytes. maxSig caps the code
// signature bytes read per slice. ErrNotMachO means r is no Mach-O file.
func Read(r io.ReaderAt, size, maxSig int64) (*Result, error) {
	sl, err := archSlices(r, size)
	if err != nil {
		return nil, err
	}
	res := &Result{Meta: map[string]string{}}
	var archs []string
	var errs []error
	for _, s := range sl {
		archs = append(archs, s.arch)
		if !s.hasSig {
			continue
		}
		rec, err := readSlice(r, s, maxSig)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s slice: %w", s.arch, err))
		}
		if rec != nil {
			res.Sigs = append(res.Sigs, &Sig{Sig: rec.sig, signer: rec.signer})
			res.Anomalies = append(res.Anomalies, rec.anomalies...)
		}
	}
	res.Meta[MetaArchs] = strings.Join(archs, ",")
	return res, errors.Join(errs...)
}

func readSlice(r io.ReaderAt, s *slice, maxSig int64) (*record, error) {
	if s.sigOff < 0 || s.sigSize < 12 || s.sigOff > s.size || s.sigSize > s.size-s.sigOff {
		return nil, fmt.Errorf("LC_CODE_SIGNATURE (%d bytes at %#x) lies outside the %d-byte slice", s.sigSize, s.sigOff, s.size)
	}
	if s.sigSize > maxSig {
		return nil, fmt.Errorf("code signature is %d bytes, over the %d-byte limit", s.sigSize, maxSig)
	}
	blob := make([]byte, s.sigSize)
	if _, err := r.ReadAt(blob, s.off+s.sigOff); err != nil {
		return nil, fmt.Errorf("reading code signature: %w", err)
	}
	sb, err := parseSuperBlob(blob)
	if err != nil {
		return nil, err
	}
	cds, err := codeDirs(sb)
	if err != nil {
		return nil, err
	}
	rec := &record{sig: describe(s, cds)}
	match := true
	for _, cd := range cds {
		a, err := checkPages(r, s, cd)
		if err != nil {
			return rec, err
		}
		if a != nil {
			rec.anomalies, match = append(rec.anomalies, *a), false
		}
		if slots := checkSpecialSlots(sb, s, cd); len(slots) > 0 {
			rec.anomalies, match = append(rec.anomalies, slots...), false
		}
	}
	rec.sig.DigestMatch = &match
	if w, ok := sb[slotSignature]; ok {
		checkCMS(w, cds[0], cds, rec)
	}
	return rec, nil
}

// codeDirs parses the primary code directory and its alternates.
func codeDirs(sb superBlob) ([]*codeDir, error) {
	primary, ok := sb[slotCodeDirectory]
	if !ok {
		return nil, errors.New("code signature has no code directory")
	}
	cd, err := parseCodeDir(primary)
	if err != nil {
		return nil, err
	}
	out := []*codeDir{cd}
	for slot := uint32(slotAlternateFirst); slot <= slotAlternateLast; slot++ {
		if b, ok := sb[slot]; ok {
			alt, err := parseCodeDir(b)
			if err != nil {
				return nil, fmt.Errorf("alternate code directory %#x: %w", slot, err)
			}
			out = append(out, alt)
		}
	}
	return out, nil
}

// describe records the facts of the strongest code directory.
func describe(s *slice, cds []*codeDir) snapshot.Signature {
	best := cds[0]
	for _, cd := range cds[1:] {
		if strength[cd.hashType] > strength[best.hashType] {
			best = cd
		}
	}
	return snapshot.Signature{
		Format:          snapshot.SigMachO,
		Arch:            s.arch,
		DigestAlgorithm: hashTypes[best.hashType].name,
		Identifier:      best.identifier,
		TeamID:          best.teamID,
		CDHash:          hex.EncodeToString(best.cdhash()),
		Flags:           flagList(cds[0].flags),
		AdHoc:           cds[0].flags&flagAdhoc != 0,
	}
}
