// Package collect turns a source into an inventory snapshot. The engine in
// this package owns the walk: it visits every file once, hashes what the
// intel needs, and offers files to small collectors. Collectors never walk
// on their own.
package collect

import (
	"context"
	"io"
	"io/fs"
	"time"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Env is what a collector knows about the source it reads.
type Env struct {
	// FS is the source's tree, confined to its root; paths are slash paths
	// relative to the root.
	FS fs.FS
	// OS is windows, macos or linux.
	OS string
	// Live is true when the source is the running machine.
	Live bool
	// Display turns a relative slash path into the path as the scanned
	// system names it (C:\… in a Windows image).
	Display func(rel string) string
	// TempDir is a private scratch directory (for copies of databases that
	// must be opened by path); it is removed after the collection.
	TempDir string
	// Now is the collection time.
	Now time.Time
}

// Sink receives what collectors find. It is safe for concurrent use.
type Sink interface {
	AddSoftware(snapshot.Software)
	AddArtifact(snapshot.Artifact)
	// AddError records a per-path problem; rel is relative to the root.
	AddError(rel, stage string, err error)
}

// PathCollector reads files it recognises by path: package databases,
// registry hives, browser histories, hosts files. WantsPath is called for
// every regular file the walk meets and must be cheap; CollectPath runs on
// every scan, whether the file's digests were cached or not.
type PathCollector interface {
	Name() string
	WantsPath(env *Env, rel string) bool
	CollectPath(ctx context.Context, env *Env, rel string, sink Sink) error
}

// ContentCollector adds facts to a file's record from its content: code
// signatures, version resources, installer metadata. Its results are cached
// with the file's digests, so it only runs on new or changed files. It must
// treat the content as hostile: bounded time and memory, no panics escaping
// (the engine recovers them anyway and records an error).
type ContentCollector interface {
	Name() string
	// Version changes whenever the facts it records change, so cached
	// records from an older version are collected again.
	Version() string
	WantsContent(f *snapshot.File) bool
	CollectContent(ctx context.Context, r io.ReaderAt, f *snapshot.File) error
}

// SourceDecorator is implemented by a ContentCollector whose records also
// need facts found elsewhere in the source, which must not be cached with
// the file: a Windows system's catalogs sign files by digest, and a new
// catalog must not make every cached record stale. ForSource runs once per
// source before the walk. It returns the collector to use for this source
// (itself, or a variant with its own Version, which then keys the cached
// records) and a function (nil for none) applied to every file record,
// read or taken from the cache, before the record is kept or matched.
type SourceDecorator interface {
	ForSource(ctx context.Context, env *Env, sink Sink) (ContentCollector, func(*snapshot.File))
}

// HostCollector gathers facts once per source without a file path, such as
// the live Windows registry (whose hive files are locked).
type HostCollector interface {
	Name() string
	CollectHost(ctx context.Context, env *Env, sink Sink) error
}

// AnomalySink is implemented by a Sink that can attach an anomaly to the
// record of the file at rel (relative to the root). Path collectors whose
// findings concern another file than the one they read (an app bundle's
// seal belongs to its main executable) type-assert their Sink to it and
// fall back to AddError when the engine's Sink does not implement it.
type AnomalySink interface {
	AddAnomaly(rel string, a snapshot.Anomaly)
}
