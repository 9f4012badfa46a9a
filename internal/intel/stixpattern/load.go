package stixpattern

import (
	"fmt"
	"regexp"
)

// MaxInputBytes is the largest observation document LoadObservations reads.
const MaxInputBytes = 64 << 20

// Warning is a problem in the input that does not stop matching.
type Warning struct {
	Where string // e.g. "objects[3] (observed-data--…)"
	Msg   string
}

func (w Warning) String() string { return w.Where + ": " + w.Msg }

// LoadObservations reads observed-data and the objects they refer to from a
// STIX bundle, a JSON array of STIX objects (or of bundles), or a single
// observed-data object. Each observed-data becomes one Observation holding
// its objects: those listed in object_refs (STIX 2.1; resolved within the
// same bundle or array) and those of the deprecated embedded "objects"
// dictionary. It is lenient where matching does not suffer (missing
// created/modified, custom object types, odd ids, dangling references are
// warnings) and strict where it would (timestamps, number_observed).
func LoadObservations(data []byte) ([]Observation, []Warning, error) {
	if len(data) > MaxInputBytes {
		return nil, nil, fmt.Errorf("input is %d bytes, more than the %d accepted", len(data), MaxInputBytes)
	}
	root, err := decodeJSON(data)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid JSON: %w", err)
	}
	l := &loader{customSeen: map[string]bool{}}
	switch root.kind {
	case vObject:
		switch root.obj.str("type") {
		case "bundle":
			err = l.bundle(root, "")
		case "observed-data":
			err = l.container([]*value{root}, "")
		default:
			err = fmt.Errorf("top-level object is a %q, not a STIX bundle or observed-data", root.obj.str("type"))
		}
	case vList:
		err = l.array(root)
	default:
		err = fmt.Errorf("input is not a STIX bundle, a JSON array of STIX objects or an observed-data object")
	}
	if err != nil {
		return nil, l.warnings, err
	}
	if len(l.obs) == 0 {
		l.warn("input", "no observed-data objects: nothing can match")
	}
	return l.obs, l.warnings, nil
}

type loader struct {
	obs        []Observation
	warnings   []Warning
	customSeen map[string]bool
}

func (l *loader) warn(where, format string, a ...any) {
	l.warnings = append(l.warnings, Warning{Where: where, Msg: fmt.Sprintf(format, a...)})
}

func (l *loader) bundle(b *value, prefix string) error {
	objs, ok := b.obj.get("objects")
	if !ok {
		l.warn(prefix+"bundle", "bundle has no objects")
		return nil
	}
	if objs.kind != vList {
		return fmt.Errorf("%sobjects: bundle objects is not a list", prefix)
	}
	return l.container(objs.list, prefix+"objects")
}

// array handles a top-level list: bundles are containers of their own; the
// other objects form one container together.
func (l *loader) array(root *value) error {
	var loose []*value
	for i, el := range root.list {
		where := fmt.Sprintf("[%d]", i)
		switch {
		case el.kind != vObject:
			l.warn(where, "not a JSON object; ignored")
		case el.obj.str("type") == "bundle":
			if err := l.bundle(el, where+"."); err != nil {
				return err
			}
		default:
			loose = append(loose, el)
		}
	}
	return l.container(loose, "")
}

// container loads the observed-data of one bundle or array, resolving
// object_refs against the objects beside them.
func (l *loader) container(objs []*value, where string) error {
	byID := map[string]*value{}
	for i, o := range objs {
		at := fmt.Sprintf("%s[%d]", where, i)
		if o.kind != vObject {
			l.warn(at, "not a JSON object; ignored")
			continue
		}
		id, typ := o.obj.str("id"), o.obj.str("type")
		switch {
		case typ == "":
			l.warn(at, "object has no type")
		case id == "" && typ != "observed-data":
			l.warn(at, "%s object has no id; nothing can refer to it", typ)
		case byID[id] != nil:
			l.warn(at, "duplicate id %s; the first object with it is used", id)
		case id != "":
			byID[id] = o
		}
	}
	for i, o := range objs {
		if o.kind == vObject && o.obj.str("type") == "observed-data" {
			at := fmt.Sprintf("%s[%d]", where, i)
			if id := o.obj.str("id"); id != "" {
				at += " (" + id + ")"
			}
			obs, err := l.observation(o.obj, byID, at)
			if err != nil {
				return err
			}
			l.obs = append(l.obs, obs)
		}
	}
	return nil
}

var stixID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*[a-z0-9]--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// scoTypes are the cyber-observable object types STIX 2.1 defines.
var scoTypes = map[string]bool{
	"artifact": true, "autonomous-system": true, "directory": true, "domain-name": true,
	"email-addr": true, "email-message": true, "file": true, "ipv4-addr": true, "ipv6-addr": true,
	"mac-addr": true, "mutex": true, "network-traffic": true, "process": true, "software": true,
	"url": true, "user-account": true, "windows-registry-key": true, "x509-certificate": true,
	"relationship": true,
}
