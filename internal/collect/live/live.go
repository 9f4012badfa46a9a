// Package live collects what is running on a live machine: processes
// (image, digest through the image's file record, command line, user,
// start time, mapped modules) and open sockets with their owning process.
// It reads only what the OS publishes about other processes (/proc on
// Linux, documented APIs on Windows, sysctl on macOS): it never injects
// into, suspends or reads the memory of another process, never opens a
// socket and never resolves an address. Images never get a sweep.
package live

import (
	"context"
	"strings"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/source"
)

// Skip reasons counted for processes and sockets that could not be read.
const (
	SkipVanished = "process-vanished" // exited mid-sweep: normal
	SkipDenied   = "process-denied"   // not ours to read without privileges
	// SkipKernelThread counts Linux kernel threads, which have no image.
	SkipKernelThread = "kernel-thread"
)

// Result is one sweep: its records and what it could not read.
type Result struct {
	Processes   []snapshot.Artifact
	Connections []snapshot.Artifact
	// Skipped counts processes and sockets left out, by reason.
	Skipped map[string]int64
	// Problems are errors that are neither vanishing nor denial, by
	// where they happened.
	Problems []Problem
	// Unavailable says which facts this OS does not give without reading
	// another process's memory or cgo.
	Unavailable string
}

// Problem is one item the sweep could not read.
type Problem struct {
	Path string
	Err  error
}

// Collector is the live-state host collector.
type Collector struct{ anyRoot bool }

// New returns the live-state collector. It sweeps when the whole running
// machine is scanned (no root), not when a directory of it is: the
// processes are the machine's, not the directory's.
func New() Collector { return Collector{} }

// NewAnyRoot returns a collector that also sweeps when a directory of the
// running machine is scanned, pinning the images inside it (tests).
func NewAnyRoot() Collector { return Collector{anyRoot: true} }

// Name implements collect.HostCollector.
func (Collector) Name() string { return "live" }

// CollectHost sweeps the running machine; it does nothing for an image.
func (c Collector) CollectHost(ctx context.Context, env *collect.Env, sink collect.Sink) error {
	if !env.Live || (!c.anyRoot && !isLiveRoot(env.Display(""))) {
		return nil
	}
	res := Sweep(ctx)
	pinner, _ := sink.(collect.FilePinner)
	for _, a := range res.Processes {
		if pinner != nil {
			pin(pinner, a.Process, env.Display(""), env.OS == "windows")
		}
		sink.AddArtifact(a)
	}
	for _, a := range res.Connections {
		sink.AddArtifact(a)
	}
	if sk, ok := sink.(collect.Skipper); ok {
		for reason, n := range res.Skipped {
			sk.AddSkipped(reason, n)
		}
	}
	for _, p := range res.Problems {
		sink.AddError(strings.TrimPrefix(p.Path, "/"), "live", p.Err)
	}
	return ctx.Err()
}

// isLiveRoot reports whether a live source's root is the machine's own.
func isLiveRoot(root string) bool {
	return strings.EqualFold(strings.TrimRight(root, `/\`), strings.TrimRight(source.LiveRoot(), `/\`))
}

// pin asks for file records of a process's image and modules, so they
// are hashed like the walk's files (read once, digest cache applies).
func pin(p collect.FilePinner, proc *snapshot.Process, root string, windows bool) {
	if proc.Image != "" && !proc.ImageDeleted {
		if rel, ok := relOf(root, proc.Image, windows); ok {
			p.PinFile(rel)
		}
	}
	for _, m := range proc.Modules {
		if rel, ok := relOf(root, m, windows); ok {
			p.PinFile(rel)
		}
	}
}
