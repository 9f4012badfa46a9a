//go:build !windows

package agent

import "context"

// RunService reports false: only Windows has a service manager to talk
// to; systemd and launchd run the agent as a plain process.
func RunService(string, func(ctx context.Context) error) (bool, error) { return false, nil }
