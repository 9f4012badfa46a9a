package guard

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRedirectToAnotherHostRefused(t *testing.T) {
	var other atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { other.Add(1) }))
	defer elsewhere.Close()
	home := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/same":
			http.Redirect(w, r, "/ok", http.StatusFound)
		case "/ok":
			w.Write([]byte("ok"))
		default:
			http.Redirect(w, r, elsewhere.URL+"/x", http.StatusFound)
		}
	}))
	defer home.Close()
	base, _ := url.Parse(home.URL)
	c := Client(base, time.Second, nil)
	resp, err := c.Get(home.URL + "/same")
	if err != nil {
		t.Fatalf("same-origin redirect: %v", err)
	}
	resp.Body.Close()
	if _, err := c.Get(home.URL + "/away"); !errors.Is(err, ErrOtherHost) {
		t.Fatalf("redirect away: %v", err)
	}
	if other.Load() != 0 {
		t.Fatal("the other host was contacted")
	}
}

func TestReadAllCap(t *testing.T) {
	for _, tc := range []struct {
		n    int
		fail bool
	}{{10, false}, {11, true}, {1 << 20, true}} {
		_, err := ReadAll(strings.NewReader(strings.Repeat("x", tc.n)), 10)
		if (err != nil) != tc.fail {
			t.Errorf("%d bytes: %v", tc.n, err)
		}
	}
}

func TestBackoffBoundedAndGrowing(t *testing.T) {
	base, top := time.Second, time.Minute
	for f := 0; f < 40; f++ {
		d := Backoff(f, base, top)
		hi := min(base<<max(f-1, 0), top)
		if f > 20 {
			hi = top
		}
		if d < hi/2 || d > hi {
			t.Fatalf("failures %d: %s outside [%s, %s]", f, d, hi/2, hi)
		}
	}
}

func TestCheckURL(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{{"https://h/x", true}, {"http://h:8080/", true}, {"file:///etc/passwd", false}, {"https://u:p@h/", false}, {"/rel", false}} {
		if _, err := CheckURL(tc.in); (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.in, err)
		}
	}
}
