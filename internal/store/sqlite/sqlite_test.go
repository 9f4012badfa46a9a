package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{Latest: 3, Fresh: func(t *testing.T, max int) (store.Store, func(int) (store.Store, error)) {
		path := filepath.Join(t.TempDir(), "cascade.db")
		s, err := Open(context.Background(), path, Options{MaxMigration: max})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, func(max int) (store.Store, error) {
			s, err := Open(context.Background(), path, Options{MaxMigration: max})
			if err == nil {
				t.Cleanup(func() { s.Close() })
			}
			return s, err
		}
	}})
}
