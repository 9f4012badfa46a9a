package cli

import (
	"context"
	"errors"
	"fmt"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/cascade-ir/cascade/internal/agent"
	"github.com/cascade-ir/cascade/internal/scan"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

type agentOptions struct {
	collectFlags
	conn       connFlags
	enroll     string
	enrollFile string
	state      string
	interval   time.Duration
	once       bool
	queueCap   string
	digests    string
	noLowPrio  bool
	service    string
	logLevel   string
	noHunts    bool
	huntBudget time.Duration
}

func runAgent(ctx context.Context, e *env, args []string) error {
	var o agentOptions
	fs := newFlags(e, "agent", "agent --server URL --state DIR [--enroll-token T] (--interval D | --once) [OPTIONS]\n\nEnroll once, then collect this machine's inventory and upload it on a schedule.\nSnapshots queue in --state while the server is unreachable.")
	o.collectFlags.register(fs)
	o.conn.register(fs)
	fs.StringVar(&o.enroll, "enroll-token", "", "enrollment token, needed until the agent has its own credential (env CASCADE_ENROLL_TOKEN)")
	fs.StringVar(&o.enrollFile, "enroll-token-file", "", "read the enrollment token from this file")
	fs.StringVar(&o.state, "state", "", "state directory: credential (0600), last snapshot, upload queue")
	fs.DurationVar(&o.interval, "interval", 0, "collect and upload this often, e.g. 6h")
	fs.BoolVar(&o.once, "once", false, "collect and upload once, then exit (2 if the upload could not be delivered)")
	fs.StringVar(&o.queueCap, "queue-cap", "512MiB", "cap of the upload queue on disk; the oldest snapshots are dropped first")
	fs.StringVar(&o.digests, "digests", "sha256", "digests to compute: any of sha256,sha1,md5")
	fs.BoolVar(&o.noLowPrio, "no-low-priority", false, "keep normal CPU priority (default: nice 10 / below-normal, one hashing worker)")
	fs.StringVar(&o.service, "service-name", "cascade-agent", "Windows service name (when started by the service manager)")
	fs.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.BoolVar(&o.noHunts, "no-yara-hunts", false, "do not ask the server for YARA hunts (docs/yara.md)")
	fs.DurationVar(&o.huntBudget, "yara-hunt-budget", 0, "the longest one YARA hunt may run (default 30m; the server may ask for less)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	opt, err := o.agentOptions(e, fs.NArg())
	if err != nil {
		return err
	}
	work := func(ctx context.Context) error {
		a, err := agent.New(ctx, opt)
		if errors.Is(err, agent.ErrEnrolledElsewhere) {
			return fmt.Errorf("%w; use another --state directory", err)
		}
		if err != nil {
			return err
		}
		return a.Run(ctx)
	}
	if handled, err := agent.RunService(o.service, work); handled {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM)
	defer stop()
	return work(ctx)
}

func (o *agentOptions) agentOptions(e *env, nargs int) (agent.Options, error) {
	if nargs > 0 {
		return agent.Options{}, usagef("the agent collects the live machine; it takes no ROOT arguments")
	}
	if o.once == (o.interval > 0) {
		return agent.Options{}, usagef("give exactly one of --interval and --once")
	}
	if o.state == "" {
		return agent.Options{}, usagef("--state is required")
	}
	tlsConf, err := o.conn.resolve(e)
	if err != nil {
		return agent.Options{}, err
	}
	cap, err := parseSize(o.queueCap)
	if err != nil {
		return agent.Options{}, usagef("--queue-cap: %v", err)
	}
	d, err := parseDigests(o.digests)
	if err != nil {
		return agent.Options{}, err
	}
	o.quiet = true
	if o.workers == 0 && !o.noLowPrio {
		o.workers = 1
	}
	if o.cacheFile == "" {
		// The digest cache lives with the agent's state, so a collection
		// rehashes only files that changed.
		o.cacheFile = filepath.Join(o.state, "digests.bin")
	}
	scanOpt, err := o.collectFlags.options(e, nil)
	if err != nil {
		return agent.Options{}, err
	}
	scanOpt.Collect.Digests = d
	enroll, err := readSecret(e, o.enroll, o.enrollFile, "CASCADE_ENROLL_TOKEN")
	if err != nil {
		return agent.Options{}, err
	}
	log, err := newLogger(e, o.logLevel)
	if err != nil {
		return agent.Options{}, err
	}
	return agent.Options{Server: o.conn.server, TLS: tlsConf, EnrollToken: enroll, StateDir: o.state, Interval: o.interval,
		Once: o.once, QueueCap: cap, Host: liveHost, Scan: scanOpt, LowPriority: !o.noLowPrio, Log: log,
		NoHunts: o.noHunts, HuntBudget: o.huntBudget}, nil
}

// liveHost names this machine for enrollment.
func liveHost() snapshot.Host {
	h := scan.LiveHost()
	h.Source = "live"
	switch runtime.GOOS {
	case "darwin":
		h.OS = "macos"
	case "windows", "linux":
		h.OS = runtime.GOOS
	default:
		h.OS = "unknown"
	}
	return h
}
