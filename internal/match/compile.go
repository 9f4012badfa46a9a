// Package match is the matching engine: it compiles intel into look-up
// structures and matches snapshots against them. Matching is a pure
// function of (snapshot, intel): the scanner runs it on one machine, the
// server over every stored snapshot.
package match

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/cascade-ir/cascade/internal/ident"
	"github.com/cascade-ir/cascade/internal/intel"
)

// Needs says which file digests the compiled intel can use.
type Needs struct{ SHA256, SHA1, MD5 bool }

// Set is intel compiled for matching. It is read-only after Compile and
// safe for concurrent use.
type Set struct {
	in     *intel.Intel
	hashes map[intel.Type]map[string][]int // lower-case hex → indicator indexes
	lists  []*intel.HashList
	names  *nameIndex
	domain map[string][]int
	urls   []urlRule
	ips    map[netip.Addr][]int
	cidrs  []cidrRule
	signer []int
	advis  map[string][]int // normalized product name → advisory indexes
	needs  Needs
	// digests says which digests other than needs some files need.
	digests digestNeeds
	supp    suppressor
	stix    stixIndex
	// yara maps a YARA indicator's ID (its rules' namespace) to its index.
	yara map[string]int
}

type cidrRule struct {
	prefix netip.Prefix
	ind    int
}

// Compile builds the look-up structures. Indicators it cannot use (bad
// regexes, unknown types) are errors: loaders validate first, so an error
// here is a bug or hand-built intel.
func Compile(in *intel.Intel) (*Set, error) {
	if in == nil {
		in = &intel.Intel{}
	}
	s := &Set{in: in, hashes: map[intel.Type]map[string][]int{}, names: newNameIndex(),
		domain: map[string][]int{}, ips: map[netip.Addr][]int{}, advis: map[string][]int{}}
	var errs []error
	for i := range in.Indicators {
		if err := s.add(i, &in.Indicators[i]); err != nil {
			errs = append(errs, fmt.Errorf("indicator %s: %w", in.Indicators[i].ID, err))
		}
	}
	for _, h := range in.HashLists {
		s.lists = append(s.lists, h)
		s.need(h.Type)
		s.digests.named = s.digests.named.with(h.Type)
	}
	for i, a := range in.Advisories {
		for _, name := range append([]string{a.Product}, a.Aliases...) {
			k := productKey(name)
			if k != "" && !contains(s.advis[k], i) {
				s.advis[k] = append(s.advis[k], i)
			}
		}
	}
	s.names.build()
	var err error
	if s.supp, err = newSuppressor(in); err != nil {
		errs = append(errs, err)
	}
	return s, errors.Join(errs...)
}

func (s *Set) add(i int, ind *intel.Indicator) error {
	switch ind.Type {
	case intel.SHA256, intel.SHA1, intel.MD5:
		m := s.hashes[ind.Type]
		if m == nil {
			m = map[string][]int{}
			s.hashes[ind.Type] = m
		}
		k := strings.ToLower(ind.Value)
		m[k] = append(m[k], i)
		s.needDigest(ind)
	case intel.Filename:
		return s.names.add(i, ind.Value, ind.FalsePositive)
	case intel.Path:
		re, err := pathRegex(ind.Value)
		if err != nil {
			return err
		}
		s.names.addPath(i, re)
	case intel.Domain:
		k := ident.Domain(ind.Value)
		s.domain[k] = append(s.domain[k], i)
	case intel.URL:
		r, err := newURLRule(ind.Value, i)
		if err != nil {
			return err
		}
		s.urls = append(s.urls, r)
	case intel.IP:
		return s.addIP(i, ind.Value)
	case intel.Signer:
		s.signer = append(s.signer, i)
	case intel.STIX:
		if err := s.stix.add(i, ind.Pattern); err != nil {
			return stixCompileError(ind, err)
		}
		s.needSTIXDigests(ind.Pattern)
	case intel.YARA:
		// Evaluated during collection (internal/match/yara); matched here
		// by the records' rule matches.
		if s.yara == nil {
			s.yara = map[string]int{}
		}
		s.yara[ind.ID] = i
	case intel.OtherPattern:
		// Kept for their own engines; not evaluated here.
	default:
		return fmt.Errorf("unknown indicator type %q", ind.Type)
	}
	return nil
}

func (s *Set) addIP(i int, v string) error {
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return err
		}
		s.cidrs = append(s.cidrs, cidrRule{p.Masked(), i})
		return nil
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return err
	}
	s.ips[a.Unmap()] = append(s.ips[a.Unmap()], i)
	return nil
}

func (s *Set) need(t intel.Type) {
	switch t {
	case intel.SHA256:
		s.needs.SHA256 = true
	case intel.SHA1:
		s.needs.SHA1 = true
	case intel.MD5:
		s.needs.MD5 = true
	}
}

// Needs returns the digests the intel can match.
func (s *Set) Needs() Needs { return s.needs }

// Intel returns the intel the set was compiled from.
func (s *Set) Intel() *intel.Intel { return s.in }

// productKey normalizes a product name for look-up (ident.ProductKey,
// which the fleet store indexes software by).
func productKey(name string) string { return ident.ProductKey(name) }

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
