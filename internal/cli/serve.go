package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/cascade-ir/cascade/internal/server"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/postgres"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
)

type serveOptions struct {
	listen     string
	data       string
	db         string
	tlsCert    string
	tlsKey     string
	tlsNames   stringList
	plainHTTP  bool
	intelDir   string
	staleAfter time.Duration
	maxUpload  string
	poll       time.Duration
	org        string
	maxReads   int
	logLevel   string
	// Issue 17: hostile agents and slow clients.
	maxConnsPerAddr int
	maxUploads      int
	uploadMemory    string
	uploadMem       int64 // uploadMemory parsed
	resetAdmin      bool
	oidc            oidcOptions
	// Issue 23: alerts.
	alertTimeout       time.Duration
	alertAllowLoopback bool
	// Issue 19: feed credentials encrypted at rest.
	feedKey string
}

func runServe(ctx context.Context, e *env, args []string) error {
	var o serveOptions
	fs := newFlags(e, "serve", "serve [OPTIONS]\n\nRun the fleet server: agent endpoints, the JSON API (/api/v1) and the web UI.\nData (the SQLite store, the TLS certificate, the first admin token) lives in --data.")
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8443", "address to listen on (use :8443 to accept remote agents)")
	fs.StringVar(&o.data, "data", "cascade-data", "data directory")
	fs.StringVar(&o.db, "db", "", "PostgreSQL URL (postgres://…) shared by several replicas; default: SQLite in --data (env CASCADE_DB)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "TLS certificate (PEM); default: a self-signed one made at first start in --data")
	fs.StringVar(&o.tlsKey, "tls-key", "", "TLS private key (PEM) for --tls-cert")
	fs.Var(&o.tlsNames, "tls-name", "host name or IP the self-signed certificate is for (repeatable)")
	fs.BoolVar(&o.plainHTTP, "insecure-http", false, "serve plain HTTP (only behind a TLS-terminating proxy)")
	fs.StringVar(&o.intelDir, "intel-dir", "", "import intel files dropped into this folder (and remove intel whose file is deleted)")
	fs.DurationVar(&o.staleAfter, "stale-after", 72*time.Hour, "mark hosts stale after this long without an upload")
	fs.StringVar(&o.maxUpload, "max-upload", "256MiB", "largest request body accepted (compressed)")
	fs.DurationVar(&o.poll, "poll", 30*time.Second, "how often to check the intel folder and due feeds")
	fs.StringVar(&o.org, "organization", "", "this organization's name in sightings sent upstream (default cascade)")
	fs.IntVar(&o.maxReads, "max-reads", 0, "analyst reads (API GETs, UI pages) served at once, the rest queued in arrival order; 0: 2 × CPUs, at least 4")
	fs.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.IntVar(&o.maxConnsPerAddr, "max-conns-per-addr", 256, "connections one client address (an IPv6 /64) may hold at once; 0: no cap (behind a proxy)")
	fs.IntVar(&o.maxUploads, "max-uploads", 16, "snapshot uploads read at once; more are answered 503 and retried by the agents")
	fs.StringVar(&o.uploadMemory, "upload-memory", "256MiB", "memory the snapshot uploads being read may hold together; past it uploads are answered 503")
	fs.DurationVar(&o.alertTimeout, "alert-timeout", 10*time.Second, "bound on one alert delivery (connect, send, answer), 1s to 5m")
	fs.BoolVar(&o.alertAllowLoopback, "alert-allow-loopback", false, "let webhook sinks reach loopback and this machine's addresses (tests, development only)")
	fs.BoolVar(&o.resetAdmin, "reset-admin-token", false, "recover from a lost first admin token: on the database directly (no network), revoke the admin tokens the server made, write a new one to DATA/admin-token, audit it, and exit")
	fs.StringVar(&o.feedKey, "feed-key", "", "file holding the key (64 hex digits) feed credentials are stored encrypted with; default DATA/feed-key, made 0600 at first start (replicas sharing a PostgreSQL store need the same file)")
	addOIDCFlags(fs, &o.oidc)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if err := o.checkAlertFlags(); err != nil {
		return err
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return usagef("--tls-cert and --tls-key go together")
	}
	maxUpload, err := parseSize(o.maxUpload)
	if err != nil {
		return usagef("--max-upload: %v", err)
	}
	if o.uploadMem, err = parseSize(o.uploadMemory); err != nil {
		return usagef("--upload-memory: %v", err)
	}
	log, err := newLogger(e, o.logLevel)
	if err != nil {
		return err
	}
	if o.db == "" {
		o.db = e.getenv("CASCADE_DB")
	}
	if o.resetAdmin {
		return resetAdminToken(ctx, o, log)
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM)
	defer stop()
	return serve(ctx, e, o, maxUpload, log)
}

func newLogger(e *env, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("--log-level: %v", err)
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: l})), nil
}

func serve(ctx context.Context, e *env, o serveOptions, maxUpload int64, log *slog.Logger) error {
	if err := os.MkdirAll(o.data, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	st, err := openStore(ctx, o)
	if err != nil {
		return err
	}
	defer st.Close()
	logDurability(ctx, st, log)
	owner, err := server.InstanceID(o.data)
	if err != nil {
		return err
	}
	oidc, err := o.oidc.config()
	if err != nil {
		return err
	}
	feedKeyPath := o.feedKey
	if feedKeyPath == "" {
		feedKeyPath = filepath.Join(o.data, "feed-key")
	}
	feedKey, made, err := server.FeedKeyFile(feedKeyPath)
	if err != nil {
		return err
	}
	if made {
		log.Info("generated the key feed credentials are stored encrypted with", "file", feedKeyPath)
	}
	srv, err := server.New(server.Config{Store: st, Log: log, StaleAfter: o.staleAfter, MaxUpload: maxUpload, PublicURL: o.oidc.publicURL, OIDC: oidc,
		IntelDir: o.intelDir, PollEvery: o.poll, Organization: o.org, Secure: !o.plainHTTP, MaxReads: o.maxReads,
		MaxUploads: o.maxUploads, UploadMemory: o.uploadMem, Owner: owner,
		AlertTimeout: o.alertTimeout, AlertAllowLoopback: o.alertAllowLoopback, FeedKey: feedKey})
	if err != nil {
		return err
	}
	if err := bootstrapAdmin(ctx, srv, o.data, log); err != nil {
		return err
	}
	hs := srv.NewHTTPServer(o.listen)
	if !o.plainHTTP {
		if hs.TLSConfig, err = serverTLS(o, log); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	ln = server.LimitConnsPerAddr(ln, o.maxConnsPerAddr)
	scheme := "https"
	if o.plainHTTP {
		scheme = "http"
	} else {
		ln = tlsListener(ln, hs.TLSConfig)
	}
	log.Info("cascade serve listening", "url", scheme+"://"+ln.Addr().String(), "store", st.Engine())
	return runServer(ctx, srv, hs, ln, log)
}

// runServer serves until ctx ends, then shuts down gracefully.
func runServer(ctx context.Context, srv *server.Server, hs *http.Server, ln net.Listener, log *slog.Logger) error {
	bgCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() { srv.Run(bgCtx); close(done) }()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		cancel()
		<-done
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, scancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer scancel()
	err := hs.Shutdown(sctx)
	cancel()
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// logDurability says whether an acknowledged write survives a power
// failure with the database's settings, and warns when it does not (a
// PostgreSQL with synchronous_commit or fsync off).
func logDurability(ctx context.Context, st store.Store, log *slog.Logger) {
	d, ok := st.(interface {
		Durability(context.Context) (bool, string, error)
	})
	if !ok {
		return
	}
	durable, how, err := d.Durability(ctx)
	switch {
	case err != nil:
		log.Warn("could not read the database's durability settings", "err", err)
	case !durable:
		log.Warn("acknowledged uploads and changes may be lost on a power failure or OS crash with these database settings", "settings", how)
	default:
		log.Info("acknowledged writes are synced to disk", "settings", how)
	}
}

func openStore(ctx context.Context, o serveOptions) (store.Store, error) {
	if strings.HasPrefix(o.db, "postgres://") || strings.HasPrefix(o.db, "postgresql://") {
		return postgres.Open(ctx, o.db, postgres.Options{})
	}
	if o.db != "" {
		return nil, usagef("--db must be a postgres:// URL (leave it out for SQLite in --data)")
	}
	return sqlite.Open(ctx, filepath.Join(o.data, "cascade.db"), sqlite.Options{})
}

// bootstrapAdmin writes the first admin token to a 0600 file in the data
// directory the first time the store is used, and says where. The file
// is written before the token is committed: if it cannot be, the server
// does not start and nothing is stored.
func bootstrapAdmin(ctx context.Context, srv *server.Server, data string, log *slog.Logger) error {
	path := filepath.Join(data, "admin-token")
	made, err := srv.BootstrapFile(ctx, path)
	if err != nil || !made {
		return err
	}
	abs, _ := filepath.Abs(path)
	log.Info("first start: an admin token was written; use it to sign in and to create other tokens", "file", abs)
	return nil
}

// resetAdminToken is `cascade serve --reset-admin-token`: whoever can
// open the data directory and the database replaces the server-made admin
// token, through no network listener.
func resetAdminToken(ctx context.Context, o serveOptions, log *slog.Logger) error {
	if err := os.MkdirAll(o.data, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	st, err := openStore(ctx, o)
	if err != nil {
		return err
	}
	defer st.Close()
	srv, err := server.New(server.Config{Store: st, Log: log})
	if err != nil {
		return err
	}
	path := filepath.Join(o.data, "admin-token")
	t, revoked, err := srv.ResetAdminToken(ctx, path)
	if err != nil {
		return err
	}
	abs, _ := filepath.Abs(path)
	log.Info("admin token reset: the new one is in the file; the earlier server-made admin tokens are revoked",
		"file", abs, "token", t.ID, "revoked", revoked)
	return nil
}

func serverTLS(o serveOptions, log *slog.Logger) (*tls.Config, error) {
	files := server.TLSFiles{Cert: o.tlsCert, Key: o.tlsKey}
	if o.tlsCert == "" {
		var err error
		if files, err = server.SelfSigned(o.data, o.tlsNames); err != nil {
			return nil, fmt.Errorf("self-signed certificate: %w", err)
		}
		if files.Created {
			log.Info("generated a self-signed TLS certificate", "cert", files.Cert)
		}
		log.Info("TLS certificate fingerprint (agents: --pin)", "sha256", files.Fingerprint)
	}
	return server.ServerTLS(files)
}

func tlsListener(ln net.Listener, conf *tls.Config) net.Listener { return tls.NewListener(ln, conf) }
