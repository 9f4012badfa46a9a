package storetest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// Two feed keys: the server's, and another server's.
var (
	feedKeyA = bytes.Repeat([]byte{0xa5}, store.FeedKeySize)
	feedKeyB = bytes.Repeat([]byte{0x5a}, store.FeedKeySize)
)

// testFeedSealing: feed credentials are stored only encrypted
// (AES-256-GCM under the feed key, the feed's id as associated data),
// credentials an older version stored in clear are encrypted when the key
// is set, and a credential that does not open (another key, no key,
// copied from another feed) makes that feed report why, naming it,
// without failing the listing or falling back to anything.
func testFeedSealing(t *testing.T, h Harness) {
	if h.SQL == nil || h.Raw == nil {
		t.Skip("harness has no raw database access")
	}
	s, reopen := h.Fresh(t, 0)
	hour := fleet.Duration(time.Hour)

	// No key: a credential cannot be stored; a feed without one can.
	_, err := s.AddFeed(ctx, fleet.Feed{Kind: fleet.FeedMISP, URL: "https://nokey.example", Secret: fleet.FeedSecret{Key: "nokey-secret-7d1e"}, Interval: hour, Created: day(0)})
	wantErr(t, err, store.ErrNoFeedKey)
	open, err := s.AddFeed(ctx, fleet.Feed{URL: "https://open.example/feed.json", Interval: hour, Created: day(0)})
	if err != nil {
		t.Fatal(err)
	}

	// A feed as an older version stored it: the credential in clear.
	const legacySecret = "legacy-misp-key-0b6a3f"
	execRaw(t, h, s, `INSERT INTO feeds (kind, url, collection, secret, policy, interval_ms, created, next_at) VALUES (?, ?, '', ?, '', ?, ?, ?)`,
		fleet.FeedMISP, "https://legacy.example", `{"key":"`+legacySecret+`"}`, int64(time.Hour/time.Millisecond), day(0).UnixMilli(), day(0).UnixMilli())

	n, err := s.SetFeedKey(ctx, feedKeyA)
	if err != nil || n != 1 {
		t.Fatalf("set feed key: sealed %d (want the 1 stored in clear), %v", n, err)
	}
	if n, err := s.SetFeedKey(ctx, feedKeyA); err != nil || n != 0 {
		t.Fatalf("set feed key again: sealed %d, %v", n, err)
	}
	secrets := map[string]fleet.FeedSecret{
		"https://basic.example/api/": {User: "basic-user-51c2", Password: "basic-pass-93ad"},
		"https://bearer.example/":    {Token: "bearer-token-e4f0"},
		"https://misp.example":       {Key: "misp-key-2c77"},
	}
	urls := []string{"https://basic.example/api/", "https://bearer.example/", "https://misp.example"}
	ids := map[string]int64{}
	for _, u := range urls {
		kind := fleet.FeedTAXII
		if secrets[u].Key != "" {
			kind = fleet.FeedMISP
		}
		f, err := s.AddFeed(ctx, fleet.Feed{Kind: kind, URL: u, Collection: "c", Secret: secrets[u], Interval: hour, Created: day(0)})
		if err != nil || f.Auth != secrets[u].Kind() {
			t.Fatalf("add %s: %+v %v", u, f, err)
		}
		ids[u] = f.ID
	}
	secrets["https://legacy.example"] = fleet.FeedSecret{Key: legacySecret}
	for _, f := range listFeeds(t, s) {
		if want := secrets[f.URL]; f.Secret != want || f.CredentialError != "" || f.Auth != want.Kind() {
			t.Errorf("feed %s read back: auth %s, credential error %q, credential matches %v", f.URL, f.Auth, f.CredentialError, f.Secret == want)
		}
		if f.ID == open.ID && f.Auth != "none" {
			t.Errorf("feed without a credential: %+v", f)
		}
	}

	// Past the store: every stored credential is AES-256-GCM under key A
	// with its feed id as associated data, and neither the database
	// files nor its rows hold any secret in clear.
	raw := h.Raw(t, s)
	aead := gcm(t, feedKeyA)
	sealed := map[int64]string{}
	for _, f := range listFeeds(t, s) {
		stored := storedSecret(t, h, s, f.ID)
		if f.ID == open.ID {
			if stored != "" {
				t.Errorf("feed without a credential stores %q", stored)
			}
			continue
		}
		sealed[f.ID] = stored
		b64, ok := strings.CutPrefix(stored, "aes256gcm:")
		data, err := base64.StdEncoding.DecodeString(b64)
		if !ok || err != nil || len(data) < aead.NonceSize() {
			t.Fatalf("feed %s stores %q", f.URL, stored)
		}
		plain, err := aead.Open(nil, data[:aead.NonceSize()], data[aead.NonceSize():], []byte(fmt.Sprintf("cascade feed credential %d", f.ID)))
		var got fleet.FeedSecret
		if err != nil || json.Unmarshal(plain, &got) != nil || got != secrets[f.URL] {
			t.Errorf("feed %s: the stored value does not open with key A and the feed's id: %v", f.URL, err)
		}
		if !bytes.Contains(raw, []byte(b64[:32])) {
			t.Errorf("the raw database does not show feed %s's sealed credential: the search for secrets below is blind", f.URL)
		}
	}
	for _, sec := range secrets {
		for _, v := range []string{sec.User, sec.Password, sec.Token, sec.Key} {
			if v != "" && bytes.Contains(raw, []byte(v)) {
				t.Errorf("the raw database holds the secret %q in clear", v)
			}
		}
	}

	// A sealed credential copied onto another feed's row does not open.
	execRaw(t, h, s, "UPDATE feeds SET secret = ? WHERE id = ?", sealed[ids["https://misp.example"]], ids["https://bearer.example/"])
	for _, f := range listFeeds(t, s) {
		if f.URL == "https://bearer.example/" {
			wantCredError(t, f, "does not decrypt")
		}
	}
	execRaw(t, h, s, "UPDATE feeds SET secret = ? WHERE id = ?", sealed[ids["https://bearer.example/"]], ids["https://bearer.example/"])

	// Another server's key: every feed with a credential says why it
	// cannot be polled, naming itself; listing and claiming go on.
	s2, err := reopen(0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.SetFeedKey(ctx, feedKeyB); err != nil {
		t.Fatal(err)
	}
	for _, f := range listFeeds(t, s2) {
		if f.ID == open.ID {
			if f.CredentialError != "" {
				t.Errorf("feed without a credential: %q", f.CredentialError)
			}
			continue
		}
		wantCredError(t, f, "does not decrypt")
	}
	c, err := s2.ClaimFeed(ctx, "r1", day(1), time.Minute)
	if err != nil || c == nil {
		t.Fatalf("claim under another key: %+v %v", c, err)
	}
	if c.ID != open.ID {
		wantCredError(t, *c, "does not decrypt")
	}

	// No key at all.
	s3, err := reopen(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range listFeeds(t, s3) {
		if f.ID != open.ID {
			wantCredError(t, f, "no feed key")
		}
	}
	if _, err := s3.SetFeedKey(ctx, feedKeyA[:16]); err == nil {
		t.Error("a 16-byte feed key was taken")
	}
}

func wantCredError(t *testing.T, f fleet.Feed, why string) {
	t.Helper()
	if f.Secret != (fleet.FeedSecret{}) || f.Auth != "unreadable" || !strings.Contains(f.CredentialError, fmt.Sprintf("feed %d (%s", f.ID, f.URL)) ||
		!strings.Contains(f.CredentialError, why) {
		t.Errorf("feed %d %s: auth %s, credential error %q, credential kept %v; want it unreadable naming the feed and %q",
			f.ID, f.URL, f.Auth, f.CredentialError, f.Secret != (fleet.FeedSecret{}), why)
	}
}

func listFeeds(t *testing.T, s store.Store) []fleet.Feed {
	t.Helper()
	fs, err := s.ListFeeds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// storedSecret reads feed id's secret column past the store.
func storedSecret(t *testing.T, h Harness, s store.Store, id int64) string {
	t.Helper()
	db, rebind := h.SQL(t, s)
	var v string
	if err := db.QueryRowContext(ctx, rebind("SELECT secret FROM feeds WHERE id = ?"), id).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func execRaw(t *testing.T, h Harness, s store.Store, query string, args ...any) {
	t.Helper()
	db, rebind := h.SQL(t, s)
	if _, err := db.ExecContext(ctx, rebind(query), args...); err != nil {
		t.Fatal(err)
	}
}

func gcm(t *testing.T, key []byte) cipher.AEAD {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return aead
}
