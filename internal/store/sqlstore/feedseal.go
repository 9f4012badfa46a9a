package sqlstore

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// A feed's credential is stored sealed with AES-256-GCM under the
// server's feed key, the feed's id as associated data (a sealed value
// copied onto another feed's row does not open): the feeds.secret column
// holds feedSealPrefix + base64(nonce ‖ ciphertext ‖ tag). Rows written
// before sealing (JSON, "{…}") are sealed by SetFeedKey.
const feedSealPrefix = "aes256gcm:"

// SetFeedKey sets the key feed credentials are sealed with and seals the
// credentials stored in clear (an upgrade from before sealing), each in
// the transaction that reads it. It returns how many it sealed.
// Credentials sealed under another key are left as they are: reading
// them reports the feed whose credential does not open.
func (s *Store) SetFeedKey(ctx context.Context, key []byte) (int, error) {
	if len(key) != store.FeedKeySize {
		return 0, fmt.Errorf("feed key: %d bytes, want %d", len(key), store.FeedKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return 0, fmt.Errorf("feed key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return 0, fmt.Errorf("feed key: %w", err)
	}
	s.feedAEAD.Store(&aead)
	n, scrub := 0, false
	err = s.write(ctx, func(tx *sql.Tx) error {
		rows, err := s.query(ctx, tx, "SELECT id, secret FROM feeds WHERE secret <> '' ORDER BY id")
		if err != nil {
			return err
		}
		type clear struct {
			id     int64
			secret string
		}
		var todo []clear
		for rows.Next() {
			var c clear
			if err := rows.Scan(&c.id, &c.secret); err != nil {
				rows.Close()
				return err
			}
			if !strings.HasPrefix(c.secret, feedSealPrefix) {
				todo = append(todo, c)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return s.wrap(err)
		}
		if len(todo) > 0 && s.d.Name == "sqlite" {
			scrub = true
			// The rewritten rows' old bytes are zeroed, not left in the
			// pages' free space.
			if _, err := tx.ExecContext(ctx, "PRAGMA secure_delete = ON"); err != nil {
				return s.wrap(err)
			}
		}
		for _, c := range todo {
			var sec fleet.FeedSecret
			if err := json.Unmarshal([]byte(c.secret), &sec); err != nil {
				continue // left as it is: reading it reports the feed's credential unreadable
			}
			sealed, err := s.sealFeedSecret(c.id, sec)
			if err != nil {
				return err
			}
			if _, err := s.exec(ctx, tx, "UPDATE feeds SET secret = ? WHERE id = ?", sealed, c.id); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if n > 0 || scrub {
		if serr := s.scrubFeedSecrets(ctx); err == nil {
			err = serr
		}
	}
	if err != nil {
		return 0, fmt.Errorf("sealing stored feed credentials: %w", err)
	}
	return n, nil
}

// scrubFeedSecrets removes the copies of the credentials just sealed that
// the engine keeps outside the live rows: SQLite's write-ahead log (the
// old pages until a checkpoint), PostgreSQL's dead row versions (until a
// vacuum; VACUUM FULL rewrites the small feeds table without them).
// PostgreSQL's own write-ahead log and its archives are beyond reach.
func (s *Store) scrubFeedSecrets(ctx context.Context) error {
	if s.d.Name == "sqlite" {
		if s.d.SerializeWrites {
			s.wmu.Lock()
			defer s.wmu.Unlock()
		}
		conn, err := s.wdb.Conn(ctx)
		if err != nil {
			return s.wrap(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "PRAGMA secure_delete = OFF"); err != nil {
			return s.wrap(err)
		}
		_, err = conn.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
		return s.wrap(err)
	}
	_, err := s.wdb.ExecContext(ctx, "VACUUM FULL feeds")
	return s.wrap(err)
}

func feedAD(id int64) []byte { return []byte("cascade feed credential " + strconv.FormatInt(id, 10)) }

// sealFeedSecret encrypts feed id's credential ("" when it has none).
func (s *Store) sealFeedSecret(id int64, sec fleet.FeedSecret) (string, error) {
	if sec == (fleet.FeedSecret{}) {
		return "", nil
	}
	p := s.feedAEAD.Load()
	if p == nil {
		return "", fmt.Errorf("feed %d: %w", id, store.ErrNoFeedKey)
	}
	aead := *p
	plain, err := json.Marshal(sec)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("feed %d: sealing the credential: %w", id, err)
	}
	return feedSealPrefix + base64.StdEncoding.EncodeToString(aead.Seal(nonce, nonce, plain, feedAD(id))), nil
}

// openFeedSecret decrypts feed id's stored credential. A credential
// stored in clear (before SetFeedKey sealed it) is read as it is. Its
// errors say what is wrong; the caller names the feed.
func (s *Store) openFeedSecret(id int64, stored string) (fleet.FeedSecret, error) {
	var sec fleet.FeedSecret
	if stored == "" {
		return sec, nil
	}
	b64, sealed := strings.CutPrefix(stored, feedSealPrefix)
	if !sealed {
		if err := json.Unmarshal([]byte(stored), &sec); err != nil {
			return sec, fmt.Errorf("stored credential is unreadable: %w", err)
		}
		return sec, nil
	}
	p := s.feedAEAD.Load()
	if p == nil {
		return sec, fmt.Errorf("its credential is encrypted: %w", store.ErrNoFeedKey)
	}
	aead := *p
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(data) < aead.NonceSize()+aead.Overhead() {
		return sec, errors.New("stored credential is corrupt")
	}
	plain, err := aead.Open(nil, data[:aead.NonceSize()], data[aead.NonceSize():], feedAD(id))
	if err != nil {
		return sec, errors.New("its credential does not decrypt with this server's feed key (another key file than the one it was stored with?)")
	}
	if err := json.Unmarshal(plain, &sec); err != nil {
		return sec, fmt.Errorf("decrypted credential is unreadable: %w", err)
	}
	return sec, nil
}
