package sqlstore

import (
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/ident"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

// obsTable describes one observation table.
type obsTable struct {
	kind, table string
	// cols are the kind-specific columns, in insert and select order, and
	// pgTypes their PostgreSQL array element types.
	cols    []string
	pgTypes []string
	// order sorts a host's listing.
	order string
	// search is the column a listing search matches.
	search string
}

var (
	softwareT = obsTable{fleet.ObsSoftware, "software_obs", []string{"name", "version", "product_key", "ident_key", "body"},
		[]string{"text", "text", "text", "text", "bytea"}, "o.name, o.version, o.id", "o.name"}
	fileT = obsTable{fleet.ObsFile, "file_obs", []string{"path", "sha256", "sha256_p", "sha1", "md5", "size", "mtime", "type", "usr", "detail"},
		[]string{"text", "bytea", "int8", "bytea", "bytea", "int8", "int8", "text", "text", "bytea"}, "o.path, o.id", "o.path"}
	artifactT = obsTable{fleet.ObsArtifact, "artifact_obs", []string{"kind", "rdomain", "ip", "sha1", "body"},
		[]string{"text", "text", "text", "bytea", "bytea"}, "o.rdomain, o.id", "o.rdomain"}
)

func tableFor(kind string) (obsTable, error) {
	switch kind {
	case fleet.ObsSoftware:
		return softwareT, nil
	case fleet.ObsFile:
		return fileT, nil
	case fleet.ObsArtifact:
		return artifactT, nil
	}
	return obsTable{}, fmt.Errorf("unknown observation kind %q", kind)
}

// selectList is the column list scanObs reads.
func (t obsTable) selectList() string {
	return "o.id, o.host_id, o.first_seen, o.last_seen, o.closed_at, h.last_seen, h.uid, h.name, o." +
		strings.Join(t.cols, ", o.")
}

func (t obsTable) from() string {
	return " FROM " + t.table + " o JOIN hosts h ON h.id = o.host_id "
}

// scanObs reads rows selected with selectList.
func (s *Store) scanObs(t obsTable, rows *sql.Rows) ([]store.Obs, error) {
	defer rows.Close()
	var out []store.Obs
	for rows.Next() {
		var o store.Obs
		var first, hostLast int64
		var last, closed sql.NullInt64
		common := []any{&o.ID, &o.HostID, &first, &last, &closed, &hostLast, &o.HostUID, &o.HostName}
		var err error
		switch t.kind {
		case fleet.ObsFile:
			err = scanFile(rows, common, &o)
		default:
			var a, b, c, d string
			var body []byte
			dest := []any{&a, &b, &c, &d, &body}
			if t.kind == fleet.ObsArtifact {
				var sha1 []byte // the body holds it too
				dest = []any{&a, &b, &c, &sha1, &body}
			}
			if err = rows.Scan(append(common, dest...)...); err == nil {
				err = s.decodeBody(t.kind, body, &o)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("read %s observation: %w", t.kind, err)
		}
		o.Kind = t.kind
		o.FirstSeen = tm(first)
		o.Present = !closed.Valid
		o.LastSeen = tmNull(last)
		if o.Present {
			o.LastSeen = tm(hostLast)
		}
		o.GoneAt = tmNull(closed)
		out = append(out, o)
	}
	return out, rows.Err()
}

// decodeBody decodes a software or artifact record. Observation rows
// never change, so decoded records are cached by kind and id.
func (s *Store) decodeBody(kind string, body []byte, o *store.Obs) error {
	key := kind + ":" + strconv.FormatInt(o.ID, 10)
	if v, ok := s.cache.get(key); ok {
		switch x := v.(type) {
		case snapshot.Software:
			o.Software = &x
		case snapshot.Artifact:
			o.Artifact = &x
		}
		return nil
	}
	if kind == fleet.ObsSoftware {
		var sw snapshot.Software
		if err := json.Unmarshal(body, &sw); err != nil {
			return err
		}
		s.cache.put(key, sw)
		o.Software = &sw
		return nil
	}
	var a snapshot.Artifact
	if err := json.Unmarshal(body, &a); err != nil {
		return err
	}
	s.cache.put(key, a)
	o.Artifact = &a
	return nil
}

// fileDetail is the part of a file record kept as JSON. The birth time
// rides here too, so a hunt over stored files dates exposure as the
// upload's match did, without a column of its own.
type fileDetail struct {
	Meta       map[string]string    `json:"meta,omitempty"`
	Signatures []snapshot.Signature `json:"signatures,omitempty"`
	Anomalies  []snapshot.Anomaly   `json:"anomalies,omitempty"`
	BirthTime  time.Time            `json:"btime,omitzero"`
}

func scanFile(rows *sql.Rows, common []any, o *store.Obs) error {
	f := new(snapshot.File)
	var s256, s1, m5, detail []byte
	var mtime int64
	var prefix sql.NullInt64
	if err := rows.Scan(append(common, &f.Path, &s256, &prefix, &s1, &m5, &f.Size, &mtime, &f.Type, &f.User, &detail)...); err != nil {
		return err
	}
	f.SHA256, f.SHA1, f.MD5 = hex.EncodeToString(s256), hex.EncodeToString(s1), hex.EncodeToString(m5)
	f.ModTime = tm(mtime)
	if len(detail) > 0 {
		var d fileDetail
		if err := json.Unmarshal(detail, &d); err != nil {
			return err
		}
		f.Meta, f.Signatures, f.Anomalies, f.BirthTime = d.Meta, d.Signatures, d.Anomalies, d.BirthTime
	}
	o.File = f
	return nil
}

// obsRow is one new observation's kind-specific column values.
type obsRow struct {
	key  fleet.Key
	vals []any
}

func softwareRow(s *snapshot.Software) (obsRow, error) {
	body, err := json.Marshal(s)
	return obsRow{fleet.SoftwareKey(s), []any{s.Name, s.Version, ident.ProductKey(s.Name), ident.ProductKey(s.Identifier), body}}, err
}

func fileRow(f *snapshot.File) (obsRow, error) {
	var detail []byte
	if len(f.Meta) > 0 || len(f.Signatures) > 0 || len(f.Anomalies) > 0 || !f.BirthTime.IsZero() {
		var err error
		if detail, err = json.Marshal(fileDetail{f.Meta, f.Signatures, f.Anomalies, f.BirthTime.UTC()}); err != nil {
			return obsRow{}, err
		}
	}
	s256 := unhex(f.SHA256)
	return obsRow{fleet.FileKey(f), []any{f.Path, s256, DigestPrefix(s256), unhex(f.SHA1), unhex(f.MD5), f.Size,
		ms(f.ModTime), f.Type, f.User, detail}}, nil
}

func artifactRow(a *snapshot.Artifact) (obsRow, error) {
	body, err := json.Marshal(a)
	var sha1 []byte
	if d := unhex(a.SHA1); len(d) == 20 {
		sha1 = d
	}
	return obsRow{fleet.ArtifactKey(a), []any{a.Kind, ReverseDomain(artifactDomain(a)), normIP(a.IP), sha1, body}}, err
}

// DigestPrefix is the indexed integer form of a digest: its first eight
// bytes, big-endian; nil (NULL) without a digest.
func DigestPrefix(d []byte) any {
	if len(d) < 8 {
		return nil
	}
	return int64(binary.BigEndian.Uint64(d))
}

// unhex decodes a validated hex digest; empty is NULL.
func unhex(s string) []byte {
	if s == "" {
		return nil
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil
	}
	return b
}

// artifactDomain is the host name the matcher checks: the artifact's
// domain, or its URL's host (ident.RecordDomain, as the matcher has it).
func artifactDomain(a *snapshot.Artifact) string { return ident.RecordDomain(a.Domain, a.URL) }

func normIP(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ""
	}
	return a.Unmap().String()
}

// ReverseDomain writes a domain's labels in reverse order ("com.example.www")
// so "a domain and its subdomains" is one index range.
func ReverseDomain(d string) string {
	if d == "" {
		return ""
	}
	labels := strings.Split(d, ".")
	for i, j := 0, len(labels)-1; i < j; i, j = i+1, j-1 {
		labels[i], labels[j] = labels[j], labels[i]
	}
	return strings.Join(labels, ".")
}
