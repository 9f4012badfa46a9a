// Package server is the fleet server: agent endpoints (enrollment and
// snapshot uploads), a versioned JSON API, a server-rendered web UI, and
// the background work that keeps every host's history hunted: durable
// retro-hunts on each intel change, a watched intel folder and polled
// intel feeds. Storage is a store.Store; matching is the match package,
// the same one `cascade scan` uses.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// Config configures a server.
type Config struct {
	Store store.Store
	Log   *slog.Logger
	// StaleAfter marks hosts that have not uploaded for this long.
	StaleAfter time.Duration
	// YARAHuntOffline: a host asked for a YARA hunt that has not been in
	// touch (a snapshot or a hunt poll) for this long shows as offline
	// (default StaleAfter).
	YARAHuntOffline time.Duration
	// MaxUpload caps a request body as sent (compressed); MaxSnapshot caps
	// it decompressed.
	MaxUpload   int64
	MaxSnapshot int64
	// MaxUploads is how many snapshot uploads are read at once (0: 16);
	// UploadMemory is the memory they may hold together while decoded
	// (0: 256 MiB). Past either, uploads are answered 503.
	MaxUploads   int
	UploadMemory int64
	// MaxIntel caps an intel document.
	MaxIntel int64
	Limits   fleet.Limits
	// IntelDir is a folder whose files are imported as intel (and removed
	// when deleted); "" disables it.
	IntelDir string
	// PollEvery is how often the folder and the due feeds are checked.
	PollEvery time.Duration
	// FeedClient fetches feeds; nil uses a client with a timeout.
	FeedHTTP FeedFetcher
	// Organization names this organization in what it sends upstream
	// (the STIX identity of its sightings, the source of MISP sightings);
	// "" is "cascade".
	Organization string
	// Secure marks session cookies Secure (the server speaks TLS).
	Secure bool
	// HuntBatch is how many observations a hunt confirms per commit.
	HuntBatch int
	// HuntLease is how long a replica holds a hunt between commits; a
	// hunt whose replica died is resumed by another after it runs out.
	HuntLease time.Duration
	// Owner names this replica in leases; "" generates one.
	Owner string
	Now   func() time.Time
	// HuntPaused stops hunts between batches (tests of resumption).
	HuntPaused func() bool
	// Hooks observe points fault tests kill the process at.
	Hooks Hooks
	// RetroDelay is how long after a new finding saved traces are
	// recomputed (default 5s), so a hunt's batches are taken together.
	RetroDelay time.Duration
	// MaxReads is how many analyst reads (API GETs, UI pages) run at
	// once; the others wait their turn in arrival order. 0: 2 ×
	// GOMAXPROCS, at least 4.
	MaxReads int
	// AlertTimeout bounds one alert send (default 10s);
	// AlertAllowLoopback lets webhooks reach loopback and this machine
	// (tests, development); PublicURL, when set, links alerts to the
	// finding's page.
	AlertTimeout       time.Duration
	AlertAllowLoopback bool
	PublicURL          string
	// OIDC, when set, adds sign-in with the company's identity provider
	// to the web UI (see OIDCConfig).
	OIDC *OIDCConfig
	// FeedKey is the AES-256 key feed credentials are stored encrypted
	// with (FeedKeyFile); nil: none, and a feed with a credential can be
	// neither added nor polled.
	FeedKey []byte
}

// Hooks are called at points where a crash must lose nothing; the fault
// tests use them to SIGKILL the server there. All may be nil.
type Hooks struct {
	// Ingesting runs inside a snapshot's transaction, after its
	// observations are written and before it commits.
	Ingesting func()
	// Hunt runs when a replica starts or resumes a hunt ("start") and after
	// each committed batch ("commit").
	Hunt func(event string, id int64, phase int, cursor string)
}

// Server is one replica. Several replicas may share a PostgreSQL store.
type Server struct {
	cfg     Config
	st      store.Store
	log     *slog.Logger
	intel   *intelCache
	hunter  *hunter
	feeds   *feeder
	now     func() time.Time
	touch   sync.Map // token id → last recorded use
	tokens  sync.Map // token hash → cachedToken
	reads   readGate
	storage healthState
	limiter *authLimiter
	// uploads bounds the snapshot uploads read at once (uploads.go).
	uploads *uploadGate
	// traces bounds the traces run at once: each builds the fleet's graph.
	traces chan struct{}
	// retro recomputes saved traces when findings arrive (retro.go).
	retro *retro
	// alerts delivers the alert outbox (alerts.go).
	alerts *alerter
	oidc   *oidcClient // nil: sign-in with an identity provider is off
	// signer holds the YARA hunt signing key (yarahunt.go).
	signer huntSigner
}

// New checks the configuration and builds a server.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, fmt.Errorf("server: no store")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Owner == "" {
		host, _ := os.Hostname()
		var b [4]byte
		rand.Read(b[:])
		cfg.Owner = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	setDefaults(&cfg)
	s := &Server{cfg: cfg, st: cfg.Store, log: cfg.Log, now: cfg.Now, reads: newReadGate(cfg.MaxReads), limiter: newAuthLimiter()}
	s.uploads = newUploadGate(cfg.MaxUploads, cfg.UploadMemory)
	s.traces = make(chan struct{}, maxTraces)
	s.intel = &intelCache{st: cfg.Store, log: cfg.Log}
	s.hunter = &hunter{st: cfg.Store, intel: s.intel, log: cfg.Log, owner: cfg.Owner, batch: cfg.HuntBatch,
		lease: cfg.HuntLease, now: cfg.Now, wake: make(chan struct{}, 1), paused: cfg.HuntPaused, hook: cfg.Hooks.Hunt,
		every: min(cfg.PollEvery, 5*time.Second), storage: &s.storage}
	s.feeds = &feeder{s: s, http: cfg.FeedHTTP}
	s.retro = newRetro(s, cfg.RetroDelay)
	s.hunter.found = s.retro.found
	s.alerts = newAlerter(s)
	oc, err := newOIDC(cfg.OIDC, cfg.PublicURL, cfg.Now)
	if err != nil {
		return nil, err
	}
	s.oidc = oc
	if cfg.FeedKey != nil {
		if err := s.setFeedKey(cfg.FeedKey); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func setDefaults(cfg *Config) {
	if cfg.StaleAfter <= 0 {
		cfg.StaleAfter = 72 * time.Hour
	}
	if cfg.YARAHuntOffline <= 0 {
		cfg.YARAHuntOffline = cfg.StaleAfter
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = 256 << 20
	}
	if cfg.MaxSnapshot <= 0 {
		cfg.MaxSnapshot = 2 << 30
	}
	if cfg.MaxUploads <= 0 {
		cfg.MaxUploads = 16
	}
	if cfg.UploadMemory <= 0 {
		cfg.UploadMemory = 256 << 20
	}
	if cfg.MaxIntel <= 0 {
		cfg.MaxIntel = 256 << 20
	}
	if cfg.Limits == (fleet.Limits{}) {
		cfg.Limits = fleet.DefaultLimits
	}
	if cfg.PollEvery <= 0 {
		cfg.PollEvery = 30 * time.Second
	}
	if cfg.HuntBatch <= 0 {
		cfg.HuntBatch = 5000
	}
	if cfg.HuntLease <= 0 {
		cfg.HuntLease = time.Minute
	}
	if cfg.RetroDelay <= 0 {
		cfg.RetroDelay = 5 * time.Second
	}
}

// Run does the background work until ctx ends: hunts, the intel folder
// and feeds.
func (s *Server) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(4)
	go func() { defer wg.Done(); s.hunter.loop(ctx) }()
	go func() { defer wg.Done(); s.feeds.loop(ctx) }()
	go func() { defer wg.Done(); s.retro.loop(ctx) }()
	go func() { defer wg.Done(); s.alerts.loop(ctx) }()
	wg.Wait()
}

// Store is the server's store.
func (s *Server) Store() store.Store { return s.st }

// WaitHunts blocks until no hunt is pending or running (tests, benchmarks).
func (s *Server) WaitHunts(ctx context.Context) error {
	for {
		hs, err := s.st.ListHunts(ctx, 100)
		if err != nil {
			return err
		}
		busy := false
		for _, h := range hs {
			busy = busy || h.Status == fleet.HuntPending || h.Status == fleet.HuntRunning
		}
		if !busy {
			return nil
		}
		s.hunter.poke()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func newID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
