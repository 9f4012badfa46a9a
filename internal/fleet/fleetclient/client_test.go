package fleetclient

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Clients made from one TLS config must not share it: each transport
// writes the protocols it offers into its config on first use, and agents
// in one process (or a test's several agents) start at the same moment.
// Under -race this failed when New kept the caller's config.
func TestClientsShareNoTLSConfig(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"hosts":[],"total":0}`))
	}))
	defer srv.Close()
	conf := &tls.Config{InsecureSkipVerify: true}
	var wg sync.WaitGroup
	for range 8 {
		c := New(srv.URL, "cas_test", conf)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Hosts(context.Background(), nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if conf.NextProtos != nil {
		t.Errorf("the caller's TLS config was changed: NextProtos %q", conf.NextProtos)
	}
}
