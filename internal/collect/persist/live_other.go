//go:build !windows

package persist

import (
	"context"
	"errors"
	"fmt"

	"github.com/cascade-ir/cascade/internal/collect"
)

// Live reads registry persistence from the running Windows registry. On
// other systems it does nothing: there is none to read.
type Live struct{}

// NewLive returns the live-registry persistence collector.
func NewLive() *Live { return &Live{} }

// Name implements collect.HostCollector.
func (*Live) Name() string { return "persist-registry-live" }

// CollectHost implements collect.HostCollector. It is a no-op for images
// and reports errors.ErrUnsupported when asked for a live Windows host
// from another operating system.
func (*Live) CollectHost(_ context.Context, env *collect.Env, _ collect.Sink) error {
	if !env.Live || env.OS != "windows" {
		return nil
	}
	return fmt.Errorf("live Windows registry: %w on this operating system", errors.ErrUnsupported)
}
