package stix

import (
	"fmt"

	"github.com/cascade-ir/cascade/internal/intel"
)

// advisoryObj is cascade's custom object for an advisory: STIX has no
// object for "these versions of this product are compromised". The
// advisory travels whole; its affected versions are also given as
// software observables so other tools can see which releases it names.
type advisoryObj struct {
	common
	Name         string          `json:"name"`
	Advisory     *intel.Advisory `json:"advisory"`
	SoftwareRefs []string        `json:"software_refs,omitempty"`
}

type softwareObj struct {
	Type        string `json:"type"`
	SpecVersion string `json:"spec_version"`
	ID          string `json:"id"`
	Name        string `json:"name"`
	Vendor      string `json:"vendor,omitempty"`
	Version     string `json:"version,omitempty"`
}

func (e *exporter) advisories() error {
	e.seen = map[string]bool{}
	for i := range e.in.Advisories {
		a := &e.in.Advisories[i]
		id := sdoID(advisoryType, a.ID)
		obj := advisoryObj{common: e.common(advisoryType, id, a.Sources), Name: a.Title, Advisory: a}
		for _, af := range a.Affected {
			for _, v := range af.Versions {
				obj.SoftwareRefs = append(obj.SoftwareRefs, e.software(a.Product, a.Vendor, v))
			}
		}
		if err := e.add(id, obj, nil); err != nil {
			return fmt.Errorf("export advisory %s: %w", a.ID, err)
		}
		if inc, ok := e.incSDO[a.Incident]; ok {
			e.relate("related-to", id, inc)
		}
	}
	return nil
}

// software writes a software observable once and returns its id.
func (e *exporter) software(name, vendor, version string) string {
	props := map[string]string{"name": name}
	if vendor != "" {
		props["vendor"] = vendor
	}
	if version != "" {
		props["version"] = version
	}
	id := scoID("software", props)
	if !e.seen[id] {
		e.seen[id] = true
		e.add(id, softwareObj{Type: "software", SpecVersion: "2.1", ID: id, Name: name, Vendor: vendor, Version: version}, nil)
	}
	return id
}
