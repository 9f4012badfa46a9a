package tracegraph

import (
	"context"
	"fmt"
	"slices"

	"github.com/cascade-ir/cascade/internal/cascade"
	"github.com/cascade-ir/cascade/internal/cascade/input"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// inputName names a stored input in errors and evidence.
func inputName(in fleet.TraceInput) string {
	if in.ID == 0 {
		return fmt.Sprintf("new input (%s %s)", in.Kind, in.Name)
	}
	return fmt.Sprintf("stored input %d (%s %s)", in.ID, in.Kind, in.Name)
}

// loadInputs adds the stored trace inputs (and extra, an input not yet
// stored) to b: the provenance key first, then declared edges, delivery
// lists and provenance. An input that does not load is an error naming
// it, so a conflict is explained, never merged.
func loadInputs(ctx context.Context, st store.Store, b *cascade.Builder, extra *fleet.TraceInput) error {
	ins, err := st.TraceInputs(ctx, true)
	if err != nil {
		return fmt.Errorf("trace graph: trace inputs: %w", err)
	}
	if extra != nil {
		ins = append(ins, *extra)
	}
	var prov input.Provenance
	for _, kind := range fleet.TraceInputKinds {
		for _, in := range ins {
			if in.Kind != kind {
				continue
			}
			if err := loadInput(in, &prov, b); err != nil {
				return fmt.Errorf("%w: %w (fix or delete %s)", ErrRequest, err, inputName(in))
			}
		}
	}
	return nil
}

func loadInput(in fleet.TraceInput, prov *input.Provenance, b *cascade.Builder) error {
	name := inputName(in)
	switch in.Kind {
	case fleet.InputKey:
		if prov.Key != nil {
			return fmt.Errorf("%s: a second provenance key; the server keeps one (%s)", name, prov.KeyName)
		}
		k, err := input.ParsePublicKey(name, in.Content)
		if err != nil {
			return err
		}
		prov.Key, prov.KeyName = k, name
		return nil
	case fleet.InputDeclared:
		if t := trimLeft(string(in.Content)); t != "" && t[0] == '{' {
			return input.LoadGraph(name, in.Content, b)
		}
		return input.LoadDeclaredCSV(name, in.Content, b)
	case fleet.InputDeliveries:
		return input.LoadDeliveries(name, in.Content, b)
	case fleet.InputProvenance:
		return prov.LoadBytes(name, in.Content, b)
	}
	return fmt.Errorf("%s: unknown kind %q (want %v)", name, in.Kind, fleet.TraceInputKinds)
}

// ValidInputKind reports whether kind is a trace input kind.
func ValidInputKind(kind string) bool { return slices.Contains(fleet.TraceInputKinds, kind) }

// CheckInput loads the fleet's graph with the stored inputs and in, as a
// trace would, and returns the graph's warnings (unverified attestations,
// nodes declared on the fly); an error explains why in cannot be kept.
func CheckInput(ctx context.Context, st store.Store, in fleet.TraceInput) ([]string, error) {
	b := cascade.NewBuilder()
	if err := b.Load(ctx, Source{Store: st}); err != nil {
		return nil, err
	}
	if err := loadInputs(ctx, st, b, &in); err != nil {
		return nil, err
	}
	g, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRequest, err)
	}
	return g.Warnings(), nil
}
