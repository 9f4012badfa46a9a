package misp

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// event is the part of a MISP core-format event cascade reads.
type event struct {
	UUID          string      `json:"uuid"`
	Info          string      `json:"info"`
	Date          string      `json:"date"`
	ThreatLevelID flexString  `json:"threat_level_id"`
	Orgc          org         `json:"Orgc"`
	Org           org         `json:"Org"`
	Attributes    []attribute `json:"Attribute"`
	Objects       []object    `json:"Object"`
	Tags          []tag       `json:"Tag"`
	Galaxies      []galaxy    `json:"Galaxy"`
}

type org struct {
	Name string `json:"name"`
	UUID string `json:"uuid"`
}

// UnmarshalJSON also takes a string: the events/index answer writes
// "org": "NAME", which encoding/json, matching keys without regard to
// case, hands to the Org field.
func (o *org) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &o.Name)
	}
	type plain org
	return json.Unmarshal(b, (*plain)(o))
}

type attribute struct {
	UUID     string     `json:"uuid"`
	Type     string     `json:"type"`
	Category string     `json:"category"`
	Value    flexString `json:"value"`
	ToIDs    flexBool   `json:"to_ids"`
	Comment  string     `json:"comment"`
	Deleted  flexBool   `json:"deleted"`
	Relation string     `json:"object_relation"`
	Tags     []tag      `json:"Tag"`
	Galaxies []galaxy   `json:"Galaxy"`
}

type object struct {
	Name       string      `json:"name"`
	UUID       string      `json:"uuid"`
	Comment    string      `json:"comment"`
	Deleted    flexBool    `json:"deleted"`
	Attributes []attribute `json:"Attribute"`
}

type tag struct {
	Name string `json:"name"`
}

type galaxy struct {
	Name     string    `json:"name"`
	Type     string    `json:"type"`
	Clusters []cluster `json:"GalaxyCluster"`
}

type cluster struct {
	Type        string                     `json:"type"`
	Value       string                     `json:"value"`
	UUID        string                     `json:"uuid"`
	Description string                     `json:"description"`
	Meta        map[string]json.RawMessage `json:"meta"`
}

// strings returns a meta entry as a list, whether MISP wrote a list or a
// single string.
func (c *cluster) strings(key string) []string {
	raw := c.Meta[key]
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var one string
	if json.Unmarshal(raw, &one) == nil && one != "" {
		return []string{one}
	}
	return nil
}

// flexBool reads MISP's booleans, written as true/false, 0/1 or "0"/"1".
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	s := string(bytes.Trim(data, `"`))
	*b = s == "true" || s == "1" || s == "True"
	return nil
}

// flexString reads a value MISP writes either as a string or a number.
type flexString string

func (s *flexString) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		var v string
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		*s = flexString(v)
		return nil
	}
	if string(data) == "null" {
		*s = ""
		return nil
	}
	if _, err := strconv.ParseFloat(string(data), 64); err != nil {
		return errors.New("want a string or a number")
	}
	*s = flexString(data)
	return nil
}
