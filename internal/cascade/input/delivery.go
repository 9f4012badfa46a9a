package input

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/cascade-ir/cascade/internal/cascade"
)

// Deliveries is a delivery list: which release went to which customer,
// when. CSV with the columns release, customer, delivered_at, until, ref;
// or JSON, an array of objects with the same keys. The release must be a
// declared node; a customer not declared becomes an org node.
type Deliveries struct{ Path string }

type delivery struct {
	Release     string `json:"release"`
	Customer    string `json:"customer"`
	DeliveredAt string `json:"delivered_at"`
	Until       string `json:"until"`
	Ref         string `json:"ref"`
}

// Load reads the file into b.
func (d Deliveries) Load(ctx context.Context, b *cascade.Builder) error {
	data, err := readFile(d.Path)
	if err != nil {
		return err
	}
	return LoadDeliveries(d.Path, data, b)
}

// LoadDeliveries reads a delivery list, JSON if it starts with '['.
func LoadDeliveries(name string, data []byte, b *cascade.Builder) error {
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '[' || strings.EqualFold(filepath.Ext(name), ".json") {
		return deliveriesJSON(name, data, b)
	}
	t, err := newTable(name, data, []string{"release", "customer", "delivered_at", "until", "ref"}, []string{"release", "customer", "delivered_at"})
	if err != nil {
		return err
	}
	return t.each(func(get func(string) string, at string) error {
		return addDelivery(delivery{get("release"), get("customer"), get("delivered_at"), get("until"), get("ref")}, at, b)
	})
}

func deliveriesJSON(name string, data []byte, b *cascade.Builder) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	ln := &lines{data: data}
	where := func(path string) string { return fmt.Sprintf("%s:%d: %s", name, ln.at(dec.InputOffset()), path) }
	err := eachElement(dec, "$", where, func(_, at string) error {
		var d delivery
		if err := dec.Decode(&d); err != nil {
			return fmt.Errorf("%s: %w", at, err)
		}
		return addDelivery(d, at, b)
	})
	if err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("%s: data after the array", where("$"))
	}
	return nil
}

func addDelivery(d delivery, at string, b *cascade.Builder) error {
	if d.Release == "" || d.Customer == "" || d.DeliveredAt == "" {
		return fmt.Errorf("%s: a delivery needs release, customer and delivered_at", at)
	}
	if !b.Has(d.Customer) {
		name := strings.TrimPrefix(d.Customer, "org:")
		if err := b.AddNode(cascade.Node{ID: d.Customer, Kind: cascade.Org, Name: name, Origin: at}); err != nil {
			return err
		}
	}
	if d.Ref == "" {
		d.Ref = at
	}
	je := jsonEdge{Kind: cascade.ShippedTo.String(), From: d.Release, To: d.Customer, ValidFrom: d.DeliveredAt, ValidUntil: d.Until,
		Evidence: &jsonEvidence{Source: "delivery-list", Ref: d.Ref, Times: map[string]string{"delivered": d.DeliveredAt}}}
	e, err := je.edge(at)
	if err != nil {
		return err
	}
	return b.AddEdge(e)
}
