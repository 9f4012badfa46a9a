package taxii

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// MaxObject bounds one STIX object a server stores.
const MaxObject = 1 << 20

// Object is what a TAXII server needs to know of a STIX 2.1 object to
// store it: identity, type, specification version and version.
type Object struct {
	ID          string
	Type        string
	SpecVersion string
	// Version is modified, else created, as written ("" when the object
	// has neither: its version is then its date added, §3.2).
	Version   string
	VersionAt time.Time
}

// scoTypes are the STIX 2.1 cyber-observable types: spec_version is
// optional on them and they have no created or modified.
var scoTypes = map[string]bool{"artifact": true, "autonomous-system": true, "directory": true, "domain-name": true,
	"email-addr": true, "email-message": true, "file": true, "ipv4-addr": true, "ipv6-addr": true, "mac-addr": true,
	"mutex": true, "network-traffic": true, "process": true, "software": true, "url": true, "user-account": true,
	"windows-registry-key": true, "x509-certificate": true}

// STIX 2.1 §2.9 (identifier) and §3.1 (type: 3–250 characters, lowercase
// ASCII letters, digits and hyphens, no leading or doubled hyphen).
var (
	typeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,248}[a-z0-9]$`)
	uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// ParseObject checks one STIX 2.1 object: size, id (TYPE--UUID matching
// its type), spec_version 2.1 (optional on cyber-observables), created
// and modified where STIX requires them, as RFC 3339 timestamps with
// modified not before created.
func ParseObject(raw []byte) (Object, error) {
	var o Object
	if len(raw) > MaxObject {
		return o, fmt.Errorf("object is %d bytes, more than %d", len(raw), MaxObject)
	}
	var f struct {
		ID          *string `json:"id"`
		Type        *string `json:"type"`
		SpecVersion *string `json:"spec_version"`
		Created     *string `json:"created"`
		Modified    *string `json:"modified"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return o, fmt.Errorf("not a JSON object: %v", err)
	}
	if f.Type == nil || !typeRE.MatchString(*f.Type) || strings.Contains(*f.Type, "--") {
		return o, fmt.Errorf("type missing or not a STIX type")
	}
	o.Type = *f.Type
	if f.ID == nil {
		return o, fmt.Errorf("id missing")
	}
	o.ID = *f.ID
	if len(o.ID) != len(o.Type)+2+36 || o.ID[:len(o.Type)+2] != o.Type+"--" || !uuidRE.MatchString(o.ID[len(o.Type)+2:]) {
		return o, fmt.Errorf("id %.100q is not %s--UUID", o.ID, o.Type)
	}
	sco := scoTypes[o.Type]
	switch {
	case f.SpecVersion != nil:
		o.SpecVersion = *f.SpecVersion
	case sco:
		o.SpecVersion = "2.1"
	}
	if o.SpecVersion != "2.1" {
		return o, fmt.Errorf("%s: spec_version %.20q, want 2.1", o.ID, o.SpecVersion)
	}
	return o, o.times(f.Created, f.Modified, sco)
}

func (o *Object) times(created, modified *string, sco bool) error {
	var c, m time.Time
	var err error
	if created != nil {
		if c, err = ParseTime(*created); err != nil {
			return fmt.Errorf("%s: created: %v", o.ID, err)
		}
		o.Version, o.VersionAt = *created, c
	} else if !sco {
		return fmt.Errorf("%s: created missing", o.ID)
	}
	if modified != nil {
		if m, err = ParseTime(*modified); err != nil {
			return fmt.Errorf("%s: modified: %v", o.ID, err)
		}
		if created != nil && m.Before(c) {
			return fmt.Errorf("%s: modified is before created", o.ID)
		}
		o.Version, o.VersionAt = *modified, m
	} else if !sco && o.Type != "marking-definition" {
		return fmt.Errorf("%s: modified missing", o.ID)
	}
	return nil
}
