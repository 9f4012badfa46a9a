package server

import (
	"context"
	"database/sql/driver"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/cascade-ir/cascade/internal/store"
)

func TestRequestError(t *testing.T) {
	unavailable := fmt.Errorf("host roles: %w: %v", store.ErrUnavailable, driver.ErrBadConn)
	tests := []struct {
		name     string
		gone     bool
		err      error
		want     int
		wantCode string
	}{
		{"database down, client waiting", false, unavailable, 503, "unavailable"},
		{"client gone mid-query", true, unavailable, 499, "canceled"},
		{"client gone, internal error", true, fmt.Errorf("boom"), 499, "canceled"},
		{"client gone, not found stays", true, fmt.Errorf("%w: x", store.ErrNotFound), 404, "not_found"},
		{"internal error, client waiting", false, fmt.Errorf("boom"), 500, "internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r := httptest.NewRequest("GET", "/api/v1/hosts/1", nil).WithContext(ctx)
			if tt.gone {
				cancel()
			}
			he := requestError(r, tt.err)
			if he.Status != tt.want || he.Code != tt.wantCode {
				t.Fatalf("got %d %q, want %d %q", he.Status, he.Code, tt.want, tt.wantCode)
			}
		})
	}
}
