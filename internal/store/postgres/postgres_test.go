package postgres

import (
	"context"
	"testing"

	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/postgres/pgtest"
	"github.com/cascade-ir/cascade/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{Latest: 3, Fresh: func(t *testing.T, max int) (store.Store, func(int) (store.Store, error)) {
		dsn := pgtest.Database(t)
		s, err := Open(context.Background(), dsn, Options{MaxMigration: max})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, func(max int) (store.Store, error) {
			s, err := Open(context.Background(), dsn, Options{MaxMigration: max})
			if err == nil {
				t.Cleanup(func() { s.Close() })
			}
			return s, err
		}
	}})
}

func TestUnavailable(t *testing.T) {
	_, err := Open(context.Background(), "postgres://cascade@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", Options{})
	if err == nil {
		t.Fatal("connected to a closed port")
	}
	if !unavailable(err) {
		t.Fatalf("a refused connection is not classified as unavailable: %v", err)
	}
}
