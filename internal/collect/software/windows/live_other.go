//go:build !windows

package windows

import (
	"context"
	"errors"
	"fmt"

	"github.com/cascade-ir/cascade/internal/collect"
)

// LiveCollector reads the running Windows registry. On other systems it
// does nothing: there is no live Windows registry to read.
type LiveCollector struct{}

// NewLive returns the live Windows registry collector.
func NewLive() *LiveCollector { return &LiveCollector{} }

// Name implements collect.HostCollector.
func (c *LiveCollector) Name() string { return "windows-registry-live" }

// CollectHost implements collect.HostCollector. It is a no-op for images
// and reports errors.ErrUnsupported when asked for a live Windows host from
// another operating system.
func (c *LiveCollector) CollectHost(ctx context.Context, env *collect.Env, sink collect.Sink) error {
	if !liveWindows(env) {
		return nil
	}
	return fmt.Errorf("live Windows registry: %w on this operating system", errors.ErrUnsupported)
}
