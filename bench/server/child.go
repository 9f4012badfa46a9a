package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // -server-pprof
	"os"
	"os/exec"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/server"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/postgres"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
)

// The server under test runs in a child process (this binary with
// -child-engine), as it does in production: its garbage collector and
// scheduler are its own, and the simulated agents and analysts in the
// parent compete with it only for the CPUs, as real clients on the same
// machine would.

// serveChild opens the store, starts the server on a loopback port, and
// prints "READY url secret" on standard output. It serves until standard
// input closes (the parent is done or gone).
func serveChild(engine, dsn, cpuProfile, logLevel, pprofAddr string) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("-server-log: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if pprofAddr != "" { // profiles of one phase at a time: go tool pprof http://ADDR/debug/pprof/profile?seconds=N
		pl, err := net.Listen("tcp", pprofAddr)
		if err != nil {
			return fmt.Errorf("-server-pprof: %w", err)
		}
		go http.Serve(pl, nil)
	}
	var st store.Store
	var err error
	switch engine {
	case "sqlite":
		st, err = sqlite.Open(ctx, dsn, sqlite.Options{})
	case "postgres":
		st, err = postgres.Open(ctx, dsn, postgres.Options{MaxConns: 32})
	default:
		err = fmt.Errorf("unknown engine %q", engine)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	srv, err := server.New(server.Config{Store: st, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
		PollEvery: 200 * time.Millisecond, MaxUpload: 1 << 30})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler()}
	done := make(chan struct{})
	go func() { srv.Run(ctx); close(done) }()
	go hs.Serve(ln)
	secret, err := srv.Bootstrap(ctx)
	if err != nil {
		return err
	}
	if secret == "" {
		secret = "-" // a database bootstrapped before (-state)
	}
	fmt.Printf("READY http://%s %s\n", ln.Addr(), secret)
	io.Copy(io.Discard, os.Stdin)
	sctx, scancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer scancel()
	err = hs.Shutdown(sctx) // requests in flight finish before the store closes
	cancel()
	<-done // and the hunter stops before it does
	return err
}

// startChild runs the server for engine on dsn in a child process and
// returns its URL, the bootstrap admin secret, and a stop function that
// waits for it to exit.
func startChild(engine, dsn string, c config) (url, secret string, stop func() error, err error) {
	exe, err := os.Executable()
	if err != nil {
		return "", "", nil, err
	}
	args := []string{"-child-engine", engine, "-child-dsn", dsn, "-server-log", c.serverLog, "-server-pprof", c.serverPprof}
	if c.cpuProfile != "" {
		args = append(args, "-cpuprofile", c.cpuProfile+"."+engine)
	}
	cmd := exec.Command(exe, args...)
	if c.serverGodebug != "" {
		cmd.Env = append(os.Environ(), "GODEBUG="+c.serverGodebug)
	}
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return "", "", nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", "", nil, err
	}
	stop = func() error {
		in.Close()
		return cmd.Wait()
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	f := strings.Fields(line)
	if err != nil || len(f) != 3 || f[0] != "READY" {
		stop()
		return "", "", nil, fmt.Errorf("server process did not start (%q, %v)", line, err)
	}
	return f[1], f[2], stop, nil
}
