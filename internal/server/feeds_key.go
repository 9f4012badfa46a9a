package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/cascade-ir/cascade/internal/store"
)

// FeedKeyFile reads the key feed credentials are encrypted with from
// path (64 hex digits), creating it readable by the server's user only
// (0600) when it does not exist yet; created says it was made now. Like
// the self-signed TLS key, it lives in the data directory by default;
// replicas sharing a PostgreSQL store must be given the same file.
func FeedKeyFile(path string) (key []byte, created bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key = make([]byte, store.FeedKeySize)
		if _, err := rand.Read(key); err != nil {
			return nil, false, fmt.Errorf("feed key: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) { // another replica made it meanwhile
			return FeedKeyFile(path)
		}
		if err != nil {
			return nil, false, fmt.Errorf("feed key: %w", err)
		}
		_, err = f.WriteString(hex.EncodeToString(key) + "\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return nil, false, fmt.Errorf("feed key %s: %w", path, err)
		}
		return key, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("feed key: %w", err)
	}
	key, err = hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) != store.FeedKeySize {
		return nil, false, fmt.Errorf("feed key %s: not %d hex digits", path, 2*store.FeedKeySize)
	}
	return key, false, nil
}

// setFeedKey gives the store the feed key and encrypts the credentials
// stored in clear by an earlier version.
func (s *Server) setFeedKey(key []byte) error {
	n, err := s.st.SetFeedKey(context.Background(), key)
	if err != nil {
		return err
	}
	if n > 0 {
		s.log.Info("feed credentials stored in clear were encrypted", "feeds", n)
	}
	// A credential that does not open is reported now, by feed, not
	// first at the feed's next poll; the server starts all the same.
	feeds, err := s.st.ListFeeds(context.Background())
	if err != nil {
		return fmt.Errorf("feed key: %w", err)
	}
	for _, f := range feeds {
		if f.CredentialError != "" {
			s.log.Error("feed credential unreadable; the feed is not polled until the right --feed-key is given", "feed", f.ID, "err", f.CredentialError)
		}
	}
	return nil
}
