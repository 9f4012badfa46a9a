package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/store"
)

// testUsers: sign-ins in flight are spent once (also under a race of two
// callbacks), expire, and people's sessions live and end like token ones.
func testUsers(t *testing.T, h Harness) {
	s := fresh(t, h)
	ctx := context.Background()
	now := time.Now().Truncate(time.Millisecond)
	a := store.LoginAttempt{Binding: []byte("bind"), Nonce: "n-1", Verifier: "v-1", Next: "/hosts", Expires: now.Add(10 * time.Minute)}
	if err := s.CreateLoginAttempt(ctx, []byte("state-1"), a); err != nil {
		t.Fatal(err)
	}
	got, err := s.TakeLoginAttempt(ctx, []byte("state-1"), now)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Binding) != "bind" || got.Nonce != "n-1" || got.Verifier != "v-1" || got.Next != "/hosts" {
		t.Fatalf("attempt = %+v", got)
	}
	if _, err := s.TakeLoginAttempt(ctx, []byte("state-1"), now); err == nil {
		t.Fatal("a state was spent twice")
	} else {
		wantErr(t, err, store.ErrNotFound)
	}
	// Expired: refused, and gone.
	a.Expires = now.Add(time.Minute)
	if err := s.CreateLoginAttempt(ctx, []byte("state-2"), a); err != nil {
		t.Fatal(err)
	}
	_, err = s.TakeLoginAttempt(ctx, []byte("state-2"), now.Add(2*time.Minute))
	wantErr(t, err, store.ErrNotFound)
	// Two callbacks at once with one state: exactly one wins.
	a.Expires = now.Add(time.Hour)
	if err := s.CreateLoginAttempt(ctx, []byte("state-3"), a); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.TakeLoginAttempt(ctx, []byte("state-3"), now); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d callbacks took one state, want 1", wins)
	}

	u := store.UserSession{User: "oidc:idp.example/u1", Email: "ana@example.com", Name: "Ana", Role: "analyst",
		Groups: "soc,staff", CSRF: "c1", Created: now, Expires: now.Add(time.Hour)}
	if err := s.CreateUserSession(ctx, []byte("us-1"), u); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUserSession(ctx, []byte("us-2"), u); err != nil {
		t.Fatal(err)
	}
	gu, err := s.UserSession(ctx, []byte("us-1"), now)
	if err != nil {
		t.Fatal(err)
	}
	if gu.User != u.User || gu.Email != u.Email || gu.Name != u.Name || gu.Role != u.Role || gu.Groups != u.Groups || gu.CSRF != u.CSRF {
		t.Fatalf("session = %+v", gu)
	}
	sameTime(t, "expires", gu.Expires, u.Expires)
	_, err = s.UserSession(ctx, []byte("us-1"), now.Add(2*time.Hour))
	wantErr(t, err, store.ErrNotFound)
	if err := s.DeleteUserSession(ctx, []byte("us-1")); err != nil {
		t.Fatal(err)
	}
	_, err = s.UserSession(ctx, []byte("us-1"), now)
	wantErr(t, err, store.ErrNotFound)
	n, err := s.DeleteUserSessions(ctx, u.User)
	if err != nil || n != 1 {
		t.Fatalf("DeleteUserSessions = %d, %v; want 1", n, err)
	}
	_, err = s.UserSession(ctx, []byte("us-2"), now)
	wantErr(t, err, store.ErrNotFound)
}
