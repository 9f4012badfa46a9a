package server

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

func gz(parts ...[]byte) []byte {
	var b bytes.Buffer
	for _, p := range parts {
		zw := gzip.NewWriter(&b)
		zw.Write(p)
		zw.Close()
	}
	return b.Bytes()
}

// TestUploadStrictness: a gzip body is one verified member, the JSON one
// value, the fields within their limits; each refusal is a 400 that says
// what, and nothing is stored.
func TestUploadStrictness(t *testing.T) {
	x := newHTTP(t, nil, nil)
	agent, hostID := x.enroll(t, "m1")
	v := x.ts.URL + fleet.APIVersion + "/snapshots"
	good := func(day0 int) []byte {
		b, _ := json.Marshal(fullUpload(hostSnap("m1", day(day0), []snapshot.Software{office}, nil)))
		return b
	}
	badCRC := gz(good(1))
	badCRC[len(badCRC)-8] ^= 0xff
	badLen := gz(good(1))
	badLen[len(badLen)-1] ^= 0x01
	withNUL := func(change func(*snapshot.Snapshot)) []byte {
		s := hostSnap("m1", day(1), []snapshot.Software{office}, nil)
		change(s)
		b, _ := json.Marshal(fullUpload(s))
		return b
	}
	zip := map[string]string{"Content-Encoding": "gzip"}
	tests := []struct {
		name string
		body []byte
		hdr  map[string]string
		want string
	}{
		{"gzip checksum", badCRC, zip, "checksum"},
		{"gzip length", badLen, zip, "checksum"},
		{"bytes after the gzip member", append(gz(good(1)), "garbage"...), zip, "after the end of the gzip stream"},
		{"a second gzip member", gz(good(1), []byte(" ")), zip, "after the end of the gzip stream"},
		{"truncated gzip", gz(good(1))[:40], zip, "unexpected EOF"},
		{"a second JSON value", append(good(1), good(2)...), nil, "second JSON value"},
		{"trailing garbage", append(good(1), "]"...), nil, "invalid character"},
		{"trailing garbage in gzip", gz(append(good(1), "x"...)), zip, "invalid character"},
		{"NUL in source_package", withNUL(func(s *snapshot.Snapshot) { s.Software[0].SourcePackage = "a\x00" }), nil, "software[0].source_package"},
		{"NUL in meta", withNUL(func(s *snapshot.Snapshot) { s.Files[2].Meta = map[string]string{"product": "\x00"} }), nil, "files[2].meta.product"},
		{"NUL in errors", withNUL(func(s *snapshot.Snapshot) { s.Errors = []snapshot.PathError{{Path: "\x00"}} }), nil, "errors[0].path"},
		{"os_version", withNUL(func(s *snapshot.Snapshot) { s.Host.OSVersion = strings.Repeat("v", 100_000) }), nil, "host.os_version"},
	}
	for _, tc := range tests {
		code, body := rawRequest(t, "POST", v, agent.Token, tc.body, tc.hdr)
		if code != 400 || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s, want 400 with %q", tc.name, code, body, tc.want)
		}
	}
	if h, _ := x.s.st.Host(bg, hostID); h.Snapshots != 0 {
		t.Fatalf("a refused upload was stored: %+v", h)
	}
	if code, body := rawRequest(t, "POST", v, agent.Token, gz(good(3)), zip); code != 200 {
		t.Fatalf("a good gzip upload: %d %s", code, body)
	}
	// Enrollment checks the same host fields.
	et := x.token(t, fleet.TokenEnroll, nil)
	for field, host := range map[string]string{
		"host.os_version": `{"id":"m9","os_version":"1\u0000"}`,
		"host.arch":       `{"id":"m9","arch":"` + strings.Repeat("a", 1000) + `"}`,
	} {
		code, body := rawRequest(t, "POST", x.ts.URL+fleet.APIVersion+"/enroll", et, []byte(`{"host":`+host+`}`), nil)
		if code != 400 || !strings.Contains(body, field) {
			t.Errorf("enroll with a bad %s: %d %s", field, code, body)
		}
	}
	code, _ := rawRequest(t, "POST", x.ts.URL+fleet.APIVersion+"/enroll", et,
		[]byte(`{"host":{"id":"m9","name":"`+strings.Repeat("n", 20<<10)+`"}}`), nil)
	if code != 413 {
		t.Errorf("a 20 KiB enrollment: %d, want 413", code)
	}
}

// TestUploadAnswerHidesFindings: an agent whose snapshot matched intel
// learns nothing of it from the answer.
func TestUploadAnswerHidesFindings(t *testing.T) {
	x := newHTTP(t, nil, nil)
	if _, err := x.s.ImportIntel(bg, "xtrader.json", "upload", readTestdata(t, "xtrader.json"), "admin"); err != nil {
		t.Fatal(err)
	}
	agent, _ := x.enroll(t, "m1")
	b, _ := json.Marshal(fullUpload(hostSnap("m1", day(1), []snapshot.Software{xtrader}, nil)))
	code, body := rawRequest(t, "POST", x.ts.URL+fleet.APIVersion+"/snapshots", agent.Token, b, nil)
	if code != 200 || strings.Contains(body, "finding") {
		t.Fatalf("agent's answer: %d %s", code, body)
	}
	list, err := x.client(x.admin).Findings(bg, url.Values{})
	if err != nil || len(list.Findings) == 0 {
		t.Fatalf("the snapshot raised no finding (the test proves nothing): %v %v", list, err)
	}
}

// TestUploadGate: with every slot taken an upload is refused before its
// body is read; an upload past the memory budget is refused and gives
// the memory back.
func TestUploadGate(t *testing.T) {
	x := newHTTP(t, nil, func(c *Config) { c.MaxUploads = 1; c.UploadMemory = 1 << 20 })
	agent, _ := x.enroll(t, "m1")
	addr := strings.TrimPrefix(x.ts.URL, "http://")
	// The first upload sends its headers and part of its body, then waits.
	hold, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	fmt.Fprintf(hold, "POST /api/v1/snapshots HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: 100000\r\n\r\n{", agent.Token)
	deadline := time.Now().Add(5 * time.Second)
	for len(x.s.uploads.slots) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the first upload never took its slot")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The second promises a body it never sends: the answer comes anyway.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /api/v1/snapshots HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: 100000\r\n\r\n", agent.Token)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer while the body is unsent: %v", err)
	}
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("a full server answered %d (Retry-After %q)", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	hold.Close()
	for len(x.s.uploads.slots) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the abandoned upload kept its slot")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// A snapshot needing more than the whole budget is too large (413);
	// one needing more than the others left is refused for now (503).
	big := hostSnap("m1", day(1), nil, nil)
	for i := range 5000 {
		big.Files = append(big.Files, snapshot.File{Path: fmt.Sprintf("/f/%d", i), Size: 1})
	}
	b, _ := json.Marshal(fullUpload(big))
	if code, body := rawRequest(t, "POST", x.ts.URL+fleet.APIVersion+"/snapshots", agent.Token, b, nil); code != 413 || !strings.Contains(body, "budget") {
		t.Fatalf("an upload past the whole budget: %d %s", code, body)
	}
	other := &uploadCharge{g: x.s.uploads} // another upload's share, without its slot
	if err := other.charge(1<<20 - 1<<10); err != nil {
		t.Fatal(err)
	}
	small, _ := json.Marshal(fullUpload(hostSnap("m1", day(1), []snapshot.Software{office}, nil)))
	if code, body := rawRequest(t, "POST", x.ts.URL+fleet.APIVersion+"/snapshots", agent.Token, small, nil); code != 503 || !strings.Contains(body, "memory") {
		t.Fatalf("an upload while another holds the budget: %d %s", code, body)
	}
	x.s.uploads.mu.Lock()
	x.s.uploads.free += other.n
	free := x.s.uploads.free
	x.s.uploads.mu.Unlock()
	if free != 1<<20 {
		t.Fatalf("the refused uploads kept %d bytes of the budget", 1<<20-free)
	}
	if code, body := rawRequest(t, "POST", x.ts.URL+fleet.APIVersion+"/snapshots", agent.Token, small, nil); code != 200 {
		t.Fatalf("the same upload once the budget is free: %d %s", code, body)
	}
}
