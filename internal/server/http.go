package server

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Handler serves the JSON API (/api/…, /healthz) and the browser UI
// (everything else) from two separate muxes behind common headers.
func (s *Server) Handler() http.Handler {
	api := s.apiMux()
	ui := s.uiMux()
	tx := s.taxiiHandler()
	return s.common(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, taxiiPrefix) || r.URL.Path == "/taxii2" {
			tx.ServeHTTP(w, r)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/healthz" {
			api.ServeHTTP(w, r)
			return
		}
		ui.ServeHTTP(w, r)
	}))
}

// common sets the headers every response carries and turns a panic into a
// 500 that names nothing internal.
func (s *Server) common(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		// same-origin, not no-referrer: under no-referrer browsers send
		// "Origin: null" on form posts, which the CSRF check refuses.
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		if s.cfg.Secure {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("handler panic", "method", r.Method, "path", r.URL.Path, "panic", v)
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = newTimedBody(w, r.Body, start)
		}
		next.ServeHTTP(w, r)
		s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr, "took", time.Since(start))
	})
}

// Read deadlines by phase. The headers come within headerTimeout. A body
// comes whole within bodyTimeout, unless the request was authenticated
// for a large body (a snapshot, an intel document): that body is paced,
// each paceBytes of it due within paceWindow of time spent waiting for
// it (the server's own time decoding does not count against the
// client), up to requestTimeout after the request began. Once a body is
// read the deadline goes back to requestTimeout, so a slow answer is not
// cut. Variables so tests can shorten them.
var (
	headerTimeout  = 10 * time.Second
	bodyTimeout    = 15 * time.Second
	paceWindow     = 30 * time.Second
	paceBytes      = int64(32 << 10) // about 1 KiB/s
	requestTimeout = 10 * time.Minute
)

// timedBody moves the connection's read deadline as the body is read.
type timedBody struct {
	io.ReadCloser
	rc     *http.ResponseController
	start  time.Time
	paced  bool
	got    int64         // bytes of the current pace window
	waited time.Duration // time spent in Read in the current window
	done   bool
}

func newTimedBody(w http.ResponseWriter, body io.ReadCloser, start time.Time) *timedBody {
	b := &timedBody{ReadCloser: body, rc: http.NewResponseController(w), start: start}
	b.rc.SetReadDeadline(start.Add(bodyTimeout))
	return b
}

// pace lets an authenticated body take as long as it keeps coming.
func (b *timedBody) pace() { b.paced = true }

func (b *timedBody) Read(p []byte) (int, error) {
	if !b.paced || b.done {
		return b.read(p)
	}
	now := time.Now()
	dl := now.Add(paceWindow - b.waited)
	if end := b.start.Add(requestTimeout); end.Before(dl) {
		dl = end
	}
	b.rc.SetReadDeadline(dl)
	n, err := b.read(p)
	if b.waited += time.Since(now); b.got+int64(n) >= paceBytes {
		b.got, b.waited = 0, 0
	} else {
		b.got += int64(n)
	}
	return n, err
}

func (b *timedBody) read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		b.rc.SetReadDeadline(b.start.Add(requestTimeout))
	}
	return n, err
}

// NewHTTPServer wraps the handler with the read deadlines above.
func (s *Server) NewHTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.Handler(),
		ReadHeaderTimeout: headerTimeout,
		ReadTimeout:       requestTimeout,
		WriteTimeout:      10 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
}
