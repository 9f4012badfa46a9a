package windows

import (
	"context"
	"errors"
	"fmt"

	"github.com/cascade-ir/cascade/internal/guard"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Hive kinds the path collector reads.
const (
	machineHive = iota + 1 // Windows/System32/config/SOFTWARE
	userHive               // Users/<name>/NTUSER.DAT
)

// parseHive reads the Uninstall entries of one hive file held in data.
// Problems with single entries come back in errs next to the entries that
// could be read; a hive that cannot be opened at all, a parser panic or an
// exhausted budget ends the hive with one error.
func parseHive(ctx context.Context, data []byte, kind int, user string) (sw []snapshot.Software, errs []error) {
	err := safely(func() error {
		var err error
		sw, errs, err = readHive(ctx, data, kind, user)
		return err
	})
	if err != nil {
		errs = append(errs, err)
	}
	return sw, errs
}

// readHive is parseHive without the panic guard (the fuzz test calls it so
// that a panic in this package's own code is seen, not swallowed).
func readHive(ctx context.Context, data []byte, kind int, user string) ([]snapshot.Software, []error, error) {
	h, err := openHive(data)
	if err != nil {
		return nil, nil, err
	}
	root, err := h.root()
	if err != nil {
		return nil, nil, fmt.Errorf("root key: %w", err)
	}
	var errs []error
	var views []view
	if kind == machineHive {
		wow, err := root.child("WOW6432Node")
		if err != nil {
			errs = append(errs, err)
		}
		views = machineViews(wow != nil)
	} else {
		views = userViews(user)
	}
	var out []snapshot.Software
	for _, v := range views {
		sw, verrs, err := readView(ctx, root, v)
		out = append(out, sw...)
		errs = append(errs, verrs...)
		if err != nil {
			return out, errs, err
		}
	}
	return out, errs, nil
}

// readView lists one Uninstall key. The returned error is fatal for the
// hive (budget, cancellation); verrs are per-entry.
func readView(ctx context.Context, root *key, v view) (out []snapshot.Software, verrs []error, fatal error) {
	u, err := root.open(v.path...)
	if err != nil {
		if errors.Is(err, errBudget) {
			return nil, nil, err
		}
		verrs = append(verrs, err)
	}
	if u == nil {
		return nil, verrs, nil
	}
	entries, err := u.subkeys()
	if err != nil {
		if errors.Is(err, errBudget) {
			return nil, verrs, err
		}
		verrs = append(verrs, err)
	}
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return out, verrs, err
		}
		if sw, ok := softwareFrom(e, v, e.name); ok {
			out = append(out, sw)
		}
		e.vals, e.names = nil, nil // the entry is done; let its values go
		for _, err := range e.errs {
			if errors.Is(err, errBudget) {
				return out, verrs, err
			}
			verrs = append(verrs, err)
		}
	}
	return out, verrs, nil
}

// safely runs fn and turns a panic (in regparser or here) into an error.
func safely(fn func() error) (err error) {
	defer guard.Recover(&err, "hive parser", "")
	return fn()
}
