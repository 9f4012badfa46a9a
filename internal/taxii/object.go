package taxii

import (
	"encoding/json"
	"fmt"
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

// validType reports a STIX 2.1 type name (§3.1): 3 to 250 characters,
// lowercase ASCII letters, digits and hyphens, starting and ending with a
// letter or digit, no two hyphens in a row.
func validType(s string) bool {
	if len(s) < 3 || len(s) > 250 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') || c == '-' && s[i-1] == '-' {
			return false
		}
	}
	return true
}

// validUUID reports the 8-4-4-4-12 hexadecimal form of a UUID (§2.9).
func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'):
			return false
		}
	}
	return true
}

// ParseObject checks one STIX 2.1 object: size, id (TYPE--UUID matching
// its type), spec_version 2.1 (optional on cyber-observables), created
// and modified where STIX requires them, as RFC 3339 timestamps with
// modified not before created.
func ParseObject(raw []byte) (Object, error) {
	if len(raw) > MaxObject {
		return Object{}, fmt.Errorf("object is %d bytes, more than %d", len(raw), MaxObject)
	}
	var f Fields
	if err := json.Unmarshal(raw, &f); err != nil {
		return Object{}, fmt.Errorf("not a JSON object: %v", err)
	}
	return CheckFields(len(raw), f)
}

// Fields are the members of a STIX object a server checks, as decoded
// strings, nil when absent or null.
type Fields struct {
	ID          *string `json:"id"`
	Type        *string `json:"type"`
	SpecVersion *string `json:"spec_version"`
	Created     *string `json:"created"`
	Modified    *string `json:"modified"`
}

// CheckFields is ParseObject for an object of size bytes whose fields the
// caller has read (a server reading a whole envelope in one pass).
func CheckFields(size int, f Fields) (Object, error) {
	var o Object
	if size > MaxObject {
		return o, fmt.Errorf("object is %d bytes, more than %d", size, MaxObject)
	}
	if f.Type == nil || !validType(*f.Type) {
		return o, fmt.Errorf("type missing or not a STIX type")
	}
	o.Type = *f.Type
	if f.ID == nil {
		return o, fmt.Errorf("id missing")
	}
	o.ID = *f.ID
	if len(o.ID) != len(o.Type)+2+36 || o.ID[:len(o.Type)+2] != o.Type+"--" || !validUUID(o.ID[len(o.Type)+2:]) {
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
