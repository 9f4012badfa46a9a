package stixpattern

import (
	"fmt"
	"math/big"
	"strings"
	"time"
)

// maxNumberObserved is the largest number_observed STIX allows.
const maxNumberObserved = 999_999_999

// observation builds one Observation from an observed-data object.
func (l *loader) observation(o *object, byID map[string]*value, at string) (Observation, error) {
	obs := Observation{ID: o.str("id")}
	if obs.ID == "" {
		l.warn(at, "observed-data has no id")
		obs.ID = at
	} else if !strings.HasPrefix(obs.ID, "observed-data--") || !stixID.MatchString(obs.ID) {
		l.warn(at, "id %q is not of the form observed-data--<UUID>", obs.ID)
	}
	if _, ok := o.get("created"); !ok {
		l.warn(at, "observed-data has no created timestamp")
	}
	if _, ok := o.get("modified"); !ok {
		l.warn(at, "observed-data has no modified timestamp")
	}
	var err error
	if obs.FirstObserved, err = timestampProp(o, "first_observed"); err != nil {
		return obs, fmt.Errorf("%s: %w", at, err)
	}
	if obs.LastObserved, err = timestampProp(o, "last_observed"); err != nil {
		return obs, fmt.Errorf("%s: %w", at, err)
	}
	if obs.LastObserved.Before(obs.FirstObserved) {
		return obs, fmt.Errorf("%s: last_observed is before first_observed", at)
	}
	if obs.NumberObserved, err = l.numberObserved(o, at); err != nil {
		return obs, err
	}
	embedded, hasEmbedded := o.get("objects")
	refs, hasRefs := o.get("object_refs")
	if !hasEmbedded && !hasRefs {
		l.warn(at, "observed-data has neither object_refs nor objects")
	}
	if hasEmbedded {
		l.embedded(&obs, embedded, at)
	}
	if hasRefs {
		l.objectRefs(&obs, refs, byID, at)
	}
	return obs, nil
}

func timestampProp(o *object, key string) (time.Time, error) {
	v, ok := o.get(key)
	if !ok {
		return time.Time{}, fmt.Errorf("observed-data has no %s", key)
	}
	if v.kind != vString {
		return time.Time{}, fmt.Errorf("%s is not a string", key)
	}
	t, err := parseTimestamp(v.str)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %w", key, err)
	}
	return t, nil
}

func (l *loader) numberObserved(o *object, at string) (int64, error) {
	v, ok := o.get("number_observed")
	if !ok {
		return 0, fmt.Errorf("%s: observed-data has no number_observed", at)
	}
	if v.kind != vNumber || !v.num.isInt {
		return 0, fmt.Errorf("%s: number_observed is not an integer", at)
	}
	n := v.num.i
	if n.Sign() < 1 {
		return 0, fmt.Errorf("%s: number_observed %s must be at least 1", at, n)
	}
	if n.Cmp(big.NewInt(maxNumberObserved)) > 0 {
		l.warn(at, "number_observed %s is more than STIX allows (%d)", n, maxNumberObserved)
		if !n.IsInt64() {
			return 1 << 62, nil
		}
	}
	return n.Int64(), nil
}

// embedded adds the deprecated "objects" dictionary; its keys are what
// *_ref properties inside it refer to.
func (l *loader) embedded(obs *Observation, v *value, at string) {
	if v.kind != vObject {
		l.warn(at, "objects is not a JSON object; ignored")
		return
	}
	for i, key := range v.obj.keys {
		sco := v.obj.vals[i]
		if sco.kind != vObject || sco.obj.str("type") == "" {
			l.warn(at, "objects[%q] is not an object with a type; ignored", key)
			continue
		}
		l.custom(sco.obj.str("type"), at)
		obs.addObject(key, sco)
	}
}

// objectRefs adds the objects object_refs lists (STIX 2.1). Only these may
// be followed by *_ref properties (section 9.7.4).
func (l *loader) objectRefs(obs *Observation, v *value, byID map[string]*value, at string) {
	if v.kind != vList {
		l.warn(at, "object_refs is not a list; ignored")
		return
	}
	for _, ref := range v.list {
		if ref.kind != vString {
			l.warn(at, "object_refs has a non-string entry; ignored")
			continue
		}
		sco, ok := byID[ref.str]
		if !ok {
			l.warn(at, "object_refs: %s is not in the input", ref.str)
			continue
		}
		l.custom(sco.obj.str("type"), at)
		obs.addObject(ref.str, sco)
	}
}

// custom warns once per load about object types STIX does not define.
func (l *loader) custom(typ, at string) {
	if typ == "" || scoTypes[typ] || l.customSeen[typ] {
		return
	}
	l.customSeen[typ] = true
	l.warn(at, "custom object type %q", typ)
}
