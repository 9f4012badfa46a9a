package sqlstore

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/cascade-ir/cascade/internal/ident"
	"github.com/cascade-ir/cascade/internal/store"
)

// Default folded-path expressions (SQLite): migration 0010 indexes them
// verbatim, so a search's range on them is an index search.
const (
	sqlitePathFold = `lower(o.path)`
	sqliteNameFold = `lower(replace(replace(o.path, '\', '/'), rtrim(replace(o.path, '\', '/'), replace(replace(o.path, '\', '/'), '/', '')), ''))`
)

func (s *Store) foldExprs() (path, name string) {
	if s.d.PathFold != "" {
		return s.d.PathFold, s.d.NameFold
	}
	return sqlitePathFold, sqliteNameFold
}

// Search finds observations of every host, present or gone, by one
// selector; each kind is one index lookup (see migration 0010 and
// docs/api.md), paged by a cursor.
func (s *Store) Search(ctx context.Context, q store.SearchQuery) (store.SearchPage, error) {
	q.Q = strings.TrimSpace(q.Q)
	if q.Q == "" {
		return store.SearchPage{}, fmt.Errorf("%w: an empty query", store.ErrInvalidSearch)
	}
	if len(q.Q) > 2048 {
		return store.SearchPage{}, fmt.Errorf("%w: a query longer than 2048 bytes", store.ErrInvalidSearch)
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return store.SearchPage{}, fmt.Errorf("%w: the time range ends before it starts", store.ErrInvalidSearch)
	}
	limit := clampLimit(q.Limit, 100, 1000)
	cur, err := parseCursor(q.Cursor)
	if err != nil {
		return store.SearchPage{}, err
	}
	// The time range filters what a page read, as a glob's rest does: in
	// the query it would let a page read on past its limit, through the
	// whole of a broad prefix (C:\Windows\*) for a range that keeps
	// none of it.
	inRange := func(o *store.Obs) bool {
		if !q.To.IsZero() && ms(o.FirstSeen) > ms(q.To) {
			return false
		}
		if !q.From.IsZero() && !o.Present {
			end := o.LastSeen
			if end.IsZero() {
				end = o.GoneAt
			}
			return ms(end) >= ms(q.From)
		}
		return true
	}
	// byIDAfter runs cond (an index lookup), n rows after the id given,
	// in id order.
	byIDAfter := func(t obsTable, cond string, after int64, n int, args ...any) ([]store.Obs, error) {
		obs, err := s.searchRows(ctx, t, "SELECT "+t.selectList()+t.from()+"WHERE "+cond+
			" AND o.id > ? ORDER BY o.id LIMIT ?", append(args, after, n)...)
		if err != nil {
			return nil, fmt.Errorf("search %s: %w", q.Kind, err)
		}
		return obs, nil
	}
	// byID is byIDAfter from the cursor, a page long.
	byID := func(t obsTable, cond string, args ...any) ([]store.Obs, error) {
		return byIDAfter(t, cond, cur.id, limit, args...)
	}
	// byKeyIn runs a range [lo, hi) over an indexed expression, n rows at
	// most in the index's order (key, id), after the cursor when after is
	// set; pre and its args narrow the lookup first (an epoch). A page
	// stops after n entries however many the range holds.
	byKeyIn := func(t obsTable, keyed, lo, hi, pre string, preArgs []any, after bool, n int) ([]store.Obs, error) {
		args := append(slices.Clip(preArgs), lo, hi)
		cond := pre + keyed + " >= ? AND " + keyed + " < ?"
		if after {
			// Row values continue the index order after the cursor.
			cond += " AND (" + keyed + ", o.id) > (?, ?)"
			args = append(args, cur.key, cur.id)
		}
		query := "SELECT " + t.selectList() + t.from() + "WHERE " + cond + " ORDER BY " + keyed + ", o.id LIMIT ?"
		if s.d.Numbered {
			// PostgreSQL: the page is taken from the index alone, then
			// joined to its hosts. Joined in one query, a planner that
			// expects few rows in the range (statistics behind a bulk
			// load) hashes them with hosts, which loses the index order,
			// and then reads and sorts the whole range for each page
			// (225 ms for a path glob at 1.2M, RESULTS.md).
			query = "SELECT " + t.selectList() + " FROM (SELECT * FROM " + t.table + " o WHERE " + cond +
				" ORDER BY " + keyed + ", o.id LIMIT ?) o JOIN hosts h ON h.id = o.host_id ORDER BY " + keyed + ", o.id"
		}
		obs, err := s.searchRows(ctx, t, query, append(args, n)...)
		if err != nil {
			return nil, fmt.Errorf("search %s: %w", q.Kind, err)
		}
		return obs, nil
	}
	// byKey is byKeyIn over the whole index from the cursor, a page long.
	byKey := func(t obsTable, keyed, lo, hi string) ([]store.Obs, error) {
		return byKeyIn(t, keyed, lo, hi, "", nil, cur.keyed, limit)
	}
	if cur.artifacts && q.Kind != store.SearchDigest {
		return store.SearchPage{}, fmt.Errorf("%w: cursor %q is not one a %s search returned", store.ErrInvalidSearch, truncateStr(q.Cursor, 40), q.Kind)
	}
	var obs []store.Obs
	var keep func(*store.Obs) (string, bool)
	var keyed string // the folded expression a page is ordered by, or ""
	switch q.Kind {
	case store.SearchDigest:
		col, raw, err := digestColumn(q.Q)
		if err != nil {
			return store.SearchPage{}, err
		}
		if cur.artifacts && col != "sha1" {
			return store.SearchPage{}, fmt.Errorf("%w: cursor %q is not one a %s search returned", store.ErrInvalidSearch, truncateStr(q.Cursor, 40), col)
		}
		cond, args := "o."+col+" = ?", []any{raw}
		if col == "sha256" {
			cond, args = "o.sha256_p = ? AND o.sha256 = ?", []any{DigestPrefix(raw), raw}
		}
		switch {
		case cur.artifacts:
			// The files are done: the page continues in the evidence.
		case s.d.DigestScope == "":
			obs, err = byID(fileT, cond, args...)
		default:
			// One epoch at a time, each read in its index's id order,
			// so a page never sorts the digest's matches.
			epochCond := fmt.Sprintf("(o.id >> %d) = ? AND ", s.d.DigestEpochShift) + cond
			obs, err = s.epochPages(ctx, cur.id, limit, func(epoch int64, n int) ([]store.Obs, error) {
				return byIDAfter(fileT, epochCond, cur.id, n, append([]any{epoch}, args...)...)
			})
		}
		if err != nil {
			return store.SearchPage{}, err
		}
		if col == "sha1" && len(obs) < limit {
			// Then the execution evidence that recorded the digest
			// (Amcache), whose file may be gone: one lookup on
			// artifact_obs_sha1, paged by its own ids after the files.
			after := int64(0)
			if cur.artifacts {
				after = cur.id
			}
			var ev []store.Obs
			if ev, err = byIDAfter(artifactT, "o.sha1 = ?", after, limit-len(obs), raw); err != nil {
				return store.SearchPage{}, err
			}
			obs = append(obs, ev...)
		}
		want := strings.ToLower(q.Q)
		keep = func(o *store.Obs) (string, bool) {
			if o.Artifact != nil {
				return col + ":" + want + " (" + o.Artifact.Kind + ")", true
			}
			return col + ":" + want, true
		}
	case store.SearchName, store.SearchPath:
		if q.Kind == store.SearchName && strings.ContainsAny(q.Q, `/\`) {
			return store.SearchPage{}, fmt.Errorf("%w: a file name has no / or \\ (search by path)", store.ErrInvalidSearch)
		}
		prefix, err := store.GlobPrefix(q.Q)
		if err != nil {
			return store.SearchPage{}, err
		}
		pathExpr, nameExpr := s.foldExprs()
		keyed = pathExpr
		if q.Kind == store.SearchName {
			keyed = nameExpr
		}
		if s.d.DigestScope == "" {
			obs, err = byKey(fileT, keyed, prefix, prefixEnd(prefix))
		} else {
			// SQLite's fold indexes lead with the epoch, as its digest
			// indexes do (migration 0018), so that a first snapshot's
			// paths go into the current epoch's part of them rather than
			// one random page of a 40M-row index each. A page is read
			// epoch by epoch, each in (key, id) order: the pages of a
			// search run in (epoch, key, id) order.
			shift := s.d.DigestEpochShift
			pre := fmt.Sprintf("(o.id >> %d) = ? AND ", shift)
			obs, err = s.epochPages(ctx, cur.id, limit, func(epoch int64, n int) ([]store.Obs, error) {
				return byKeyIn(fileT, keyed, prefix, prefixEnd(prefix), pre, []any{epoch}, cur.keyed && epoch == cur.id>>shift, n)
			})
		}
		if err != nil {
			return store.SearchPage{}, err
		}
		pat := q.Q
		keep = func(o *store.Obs) (string, bool) {
			v := o.File.Path
			if q.Kind == store.SearchName {
				v = store.BaseName(v)
			}
			return o.File.Path, store.GlobMatch(pat, v)
		}
	case store.SearchProduct:
		name, rng, err := store.ParseProduct(q.Q)
		if err != nil {
			return store.SearchPage{}, err
		}
		key := ident.ProductKey(name)
		// Two index lookups in id order, merged: an OR of the two columns
		// would be planned as a walk of the whole table by id.
		byName, err := byID(softwareT, "o.product_key = ?", key)
		if err != nil {
			return store.SearchPage{}, err
		}
		byIdent, err := byID(softwareT, "o.ident_key = ? AND o.ident_key <> ''", key)
		if err != nil {
			return store.SearchPage{}, err
		}
		obs = mergeByID(byName, byIdent, limit)
		keep = func(o *store.Obs) (string, bool) {
			sw := o.Software
			return sw.Name + "@" + sw.Version, rng.Contains(sw.Ecosystem, sw.Version)
		}
	case store.SearchDomain, store.SearchURL:
		d, wantURL := strings.TrimSuffix(strings.ToLower(q.Q), "."), ""
		if q.Kind == store.SearchURL {
			if !strings.Contains(q.Q, "://") {
				return store.SearchPage{}, fmt.Errorf("%w: a URL starts with scheme://", store.ErrInvalidSearch)
			}
			wantURL, d = searchURL(q.Q), ident.RecordDomain("", q.Q)
		}
		if !domainOK(d) {
			return store.SearchPage{}, fmt.Errorf("%w: %q is not a domain of at least two labels", store.ErrInvalidSearch, d)
		}
		r := ReverseDomain(d)
		if q.Kind == store.SearchURL {
			obs, err = byID(artifactT, "o.rdomain = ?", r)
		} else {
			// The domain and its subdomains are the range [r, r + "/"):
			// "/" follows "."; names that only start with r ("3cx-cdn")
			// are in it too and left out below.
			keyed = "o.rdomain"
			obs, err = byKey(artifactT, keyed, r, r+"/")
		}
		if err != nil {
			return store.SearchPage{}, err
		}
		keep = func(o *store.Obs) (string, bool) {
			a := o.Artifact
			if rd := ReverseDomain(artifactDomain(a)); rd != r && !strings.HasPrefix(rd, r+".") {
				return "", false
			}
			if wantURL != "" {
				return a.URL, a.URL != "" && searchURL(a.URL) == wantURL
			}
			if a.URL != "" && a.Domain == "" {
				return a.URL, true
			}
			return a.Domain, true
		}
	case store.SearchIP:
		ip, err := netip.ParseAddr(q.Q)
		if err != nil {
			return store.SearchPage{}, fmt.Errorf("%w: %q is not an IP address", store.ErrInvalidSearch, q.Q)
		}
		if obs, err = byID(artifactT, "o.ip = ? AND o.ip <> ''", ip.Unmap().String()); err != nil {
			return store.SearchPage{}, err
		}
		keep = func(o *store.Obs) (string, bool) { return o.Artifact.IP, true }
	default:
		return store.SearchPage{}, fmt.Errorf("%w: unknown kind %q (want one of %s)", store.ErrInvalidSearch, q.Kind,
			strings.Join(store.SearchKinds, ", "))
	}
	page := store.SearchPage{Read: len(obs)}
	for i := range obs {
		if !inRange(&obs[i]) {
			continue
		}
		if m, ok := keep(&obs[i]); ok {
			page.Hits = append(page.Hits, store.SearchHit{Obs: obs[i], Matched: m})
		}
	}
	if len(obs) == limit {
		last := obs[len(obs)-1]
		c := searchCursor{id: last.ID, artifacts: q.Kind == store.SearchDigest && last.Kind == artifactT.kind}
		if keyed != "" {
			// The key as the engine folds it, so the next page continues
			// exactly where the index order left off.
			if err := s.row(ctx, s.db, "SELECT "+keyed+" FROM "+tableOfKind(q.Kind)+" o WHERE o.id = ?", last.ID).Scan(&c.key); err != nil {
				return store.SearchPage{}, fmt.Errorf("search %s: cursor: %w", q.Kind, s.wrap(err))
			}
			c.keyed = true
		}
		page.Next = c.String()
	}
	return page, nil
}

// epochPages reads a digest's file observations after afterID, limit at
// most, epoch by epoch in id order (SQLite's digest indexes lead with
// the epoch, id >> DigestEpochShift: within one epoch and digest the
// index is in id order). Up to GOMAXPROCS (at most 4) epochs are read at
// once on the read pool; the walk stops when the page is full.
func (s *Store) epochPages(ctx context.Context, afterID int64, limit int, lookup func(epoch int64, n int) ([]store.Obs, error)) ([]store.Obs, error) {
	var newest int64
	if err := s.row(ctx, s.db, s.d.DigestEpochs).Scan(&newest); err != nil {
		return nil, fmt.Errorf("search: newest epoch: %w", s.wrap(err))
	}
	par := int64(min(runtime.GOMAXPROCS(0), 4))
	var out []store.Obs
	for first := max(afterID, 0) >> s.d.DigestEpochShift; first <= newest && len(out) < limit; first += par {
		n := min(par, newest-first+1)
		res := make([][]store.Obs, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { res[i], errs[i] = lookup(first+i, limit-len(out)) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
		for _, r := range res {
			out = append(out, r...)
		}
	}
	return out[:min(len(out), limit)], nil
}

// searchCursor is where a page ended: the last id, and for name and path
// searches the folded key the page is ordered by; artifacts marks a SHA-1
// search past its files, in the execution evidence (id is an
// artifact_obs id).
type searchCursor struct {
	id        int64
	key       string
	keyed     bool
	artifacts bool
}

func (c searchCursor) String() string {
	if c.artifacts {
		return "a" + strconv.FormatInt(c.id, 10)
	}
	if c.keyed {
		return "k" + strconv.FormatInt(c.id, 10) + "." + base64.RawURLEncoding.EncodeToString([]byte(c.key))
	}
	return "i" + strconv.FormatInt(c.id, 10)
}

func parseCursor(s string) (searchCursor, error) {
	if s == "" {
		return searchCursor{}, nil
	}
	bad := fmt.Errorf("%w: cursor %q is not one a search returned", store.ErrInvalidSearch, truncateStr(s, 40))
	switch s[0] {
	case 'i', 'a':
		id, err := strconv.ParseInt(s[1:], 10, 64)
		if err != nil || id < 0 {
			return searchCursor{}, bad
		}
		return searchCursor{id: id, artifacts: s[0] == 'a'}, nil
	case 'k':
		idS, keyS, ok := strings.Cut(s[1:], ".")
		id, err := strconv.ParseInt(idS, 10, 64)
		key, err2 := base64.RawURLEncoding.DecodeString(keyS)
		if !ok || err != nil || err2 != nil || id < 0 {
			return searchCursor{}, bad
		}
		return searchCursor{id: id, key: string(key), keyed: true}, nil
	}
	return searchCursor{}, bad
}

func truncateStr(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// prefixEnd is the least string above every string starting with p (p
// is printable ASCII, so its last byte has a successor below 0x80).
func prefixEnd(p string) string {
	return p[:len(p)-1] + string(rune(p[len(p)-1]+1))
}

func digestColumn(q string) (string, []byte, error) {
	raw, err := hex.DecodeString(q)
	if err != nil {
		return "", nil, fmt.Errorf("%w: digest %q is not hex", store.ErrInvalidSearch, truncateStr(q, 80))
	}
	switch len(raw) {
	case 32:
		return "sha256", raw, nil
	case 20:
		return "sha1", raw, nil
	case 16:
		return "md5", raw, nil
	}
	return "", nil, fmt.Errorf("%w: a digest is 64 (sha256), 40 (sha1) or 32 (md5) hex digits, not %d", store.ErrInvalidSearch, len(q))
}

func domainOK(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" {
			return false
		}
	}
	return true
}

// searchURL is a URL as a search compares it: scheme and host lower-cased,
// a default port and the fragment dropped, an empty path as "/"; the path
// and query are compared as written.
func searchURL(raw string) string {
	u, err := url.Parse(ident.NormalizeURL(strings.TrimSpace(raw)))
	if err != nil {
		return raw
	}
	u.Scheme, u.Host, u.Fragment, u.RawFragment = strings.ToLower(u.Scheme), strings.ToLower(u.Host), "", ""
	if p := u.Port(); (p == "80" && u.Scheme == "http") || (p == "443" && u.Scheme == "https") {
		u.Host = strings.TrimSuffix(u.Host, ":"+p)
	}
	if u.Path == "" && u.RawPath == "" {
		u.Path = "/"
	}
	return u.String()
}

type explainKey struct{}

// explainSink collects the plans of a search's queries.
type explainSink struct {
	mu    sync.Mutex
	lines []string
}

// ExplainSearch runs q's queries under EXPLAIN QUERY PLAN (SQLite) or
// EXPLAIN (PostgreSQL) instead of reading rows, and returns the plans'
// lines: the check that each search kind is an index lookup.
func (s *Store) ExplainSearch(ctx context.Context, q store.SearchQuery) ([]string, error) {
	sink := new(explainSink)
	if _, err := s.Search(context.WithValue(ctx, explainKey{}, sink), q); err != nil {
		return nil, err
	}
	return sink.lines, nil
}

// searchRows runs one search query, or explains it.
func (s *Store) searchRows(ctx context.Context, t obsTable, query string, args ...any) ([]store.Obs, error) {
	sink, ok := ctx.Value(explainKey{}).(*explainSink)
	if !ok {
		rows, err := s.query(ctx, s.db, query, args...)
		if err != nil {
			return nil, err
		}
		return s.scanObs(t, rows)
	}
	prefix := "EXPLAIN QUERY PLAN "
	if s.d.Numbered {
		prefix = "EXPLAIN "
	}
	rows, err := s.db.QueryContext(ctx, s.q(prefix+query), args...)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		lines = append(lines, fmt.Sprint(vals[len(vals)-1]))
	}
	sink.mu.Lock()
	sink.lines = append(sink.lines, lines...)
	sink.mu.Unlock()
	return nil, s.wrap(rows.Err())
}

func tableOfKind(kind string) string {
	if kind == store.SearchDomain {
		return artifactT.table
	}
	return fileT.table
}

// mergeByID merges two id-ordered lists, each id once, keeping the first n.
func mergeByID(a, b []store.Obs, n int) []store.Obs {
	out := make([]store.Obs, 0, min(len(a)+len(b), n))
	for len(out) < n && (len(a) > 0 || len(b) > 0) {
		switch {
		case len(b) == 0 || (len(a) > 0 && a[0].ID < b[0].ID):
			out, a = append(out, a[0]), a[1:]
		case len(a) == 0 || b[0].ID < a[0].ID:
			out, b = append(out, b[0]), b[1:]
		default:
			out, a, b = append(out, a[0]), a[1:], b[1:]
		}
	}
	return out
}
