//go:build !windows

package reach

import (
	"context"
	"errors"
	"testing"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/collecttest"
)

func TestLiveElsewhere(t *testing.T) {
	for _, c := range []struct {
		env  collect.Env
		want error
	}{
		{collect.Env{OS: "windows"}, nil},           // an image: read from its hive files
		{collect.Env{OS: "linux", Live: true}, nil}, // no registry
		{collect.Env{OS: "windows", Live: true}, errors.ErrUnsupported},
	} {
		if err := NewLive().CollectHost(context.Background(), &c.env, &collecttest.Sink{}); !errors.Is(err, c.want) {
			t.Errorf("%+v: %v, want %v", c.env, err, c.want)
		}
	}
}
