package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// Alert events queued with a delivery.
const (
	alertEventNew     = "new"
	alertEventRevived = "revived"
)

// defaultMaxQueue bounds a sink's pending deliveries when it names no bound.
const defaultMaxQueue = 10000

// queueAlerts queues, in the transaction that stored the findings, one
// delivery per sink for every finding in events that passes the sink's
// filters. A sink whose queue is full gets none; its overflow counts them.
// Sinks are locked (their overflow updated) in id order, after the
// findings, in every transaction, so ingests and hunts do not deadlock.
func (s *Store) queueAlerts(ctx context.Context, tx *sql.Tx, rows []findingRow, events map[string]string, now int64) error {
	if len(events) == 0 {
		return nil
	}
	type sink struct {
		id       int64
		minScore int
		minLevel string
		incident string
		maxQueue int
	}
	rs, err := s.query(ctx, tx, "SELECT id, min_score, min_level, incident, max_queue FROM alert_sinks ORDER BY id")
	if err != nil {
		return fmt.Errorf("alert sinks: %w", err)
	}
	var sinks []sink
	for rs.Next() {
		var k sink
		if err := rs.Scan(&k.id, &k.minScore, &k.minLevel, &k.incident, &k.maxQueue); err != nil {
			rs.Close()
			return fmt.Errorf("alert sinks: %w", s.wrap(err))
		}
		sinks = append(sinks, k)
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return fmt.Errorf("alert sinks: %w", s.wrap(err))
	}
	for _, k := range sinks {
		var ids []string
		for i := range rows {
			f := &rows[i].hit.Finding
			if events[f.ID] == "" || f.Score < k.minScore || fleet.LevelRank(string(f.Level)) < fleet.LevelRank(k.minLevel) ||
				(k.incident != "" && rows[i].incident != k.incident) {
				continue
			}
			ids = append(ids, f.ID)
		}
		if len(ids) == 0 {
			continue
		}
		sort.Strings(ids)
		max := k.maxQueue
		if max <= 0 {
			max = defaultMaxQueue
		}
		pending, ok := s.queueEst.get(k.id, len(ids), max, time.Now())
		if !ok {
			if err := s.row(ctx, tx, "SELECT COUNT(*) FROM alert_deliveries WHERE sink_id = ? AND state = ?", k.id, fleet.DeliveryPending).Scan(&pending); err != nil {
				return fmt.Errorf("alert queue %d: %w", k.id, s.wrap(err))
			}
		}
		room := max - pending
		if room < 0 {
			room = 0
		}
		if over := len(ids) - room; over > 0 {
			ids = ids[:room]
			if _, err := s.exec(ctx, tx, "UPDATE alert_sinks SET overflow = overflow + ? WHERE id = ?", over, k.id); err != nil {
				return fmt.Errorf("alert overflow %d: %w", k.id, err)
			}
		}
		s.queueEst.set(k.id, pending+len(ids), !ok, time.Now())
		const cols = 5
		for _, c := range chunks(ids, s.d.MaxVars/cols) {
			var q strings.Builder
			q.WriteString("INSERT INTO alert_deliveries (sink_id, finding_id, event, created, next_at) VALUES ")
			args := make([]any, 0, len(c)*cols)
			for i, id := range c {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(?, ?, ?, ?, ?)")
				args = append(args, k.id, id, events[id], now, now)
			}
			if _, err := s.exec(ctx, tx, q.String(), args...); err != nil {
				return fmt.Errorf("queue alerts for sink %d: %w", k.id, err)
			}
		}
	}
	return nil
}

// queueRecount is how old a sink's queue estimate may grow before
// queueAlerts counts the queue again.
const queueRecount = time.Second

// queueEstimates spares an upload the count of each sink's pending
// deliveries (a scan of the whole queue, which grows while a sink is slow
// or down): per sink, the last count plus what this process queued since.
// Deliveries leave the pending state otherwise (sent, dead, deleted with
// their sink; RetryDelivery drops the estimate), so within one process the
// estimate never falls below the truth, and a queue is counted again when
// its estimate is older than queueRecount or says the upload might bring
// it within a quarter of its bound: the bound holds exactly. Another
// replica's deliveries are seen at the next count, so with several
// replicas a queue may pass its bound by what they queue in queueRecount.
type queueEstimates struct {
	mu sync.Mutex
	m  map[int64]queueEstimate
}

type queueEstimate struct {
	n  int
	at time.Time // when the queue was last counted
}

// get returns the estimate for a sink about to queue n more under bound
// max, or false when the queue must be counted.
func (q *queueEstimates) get(sink int64, n, max int, now time.Time) (int, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	e, ok := q.m[sink]
	if !ok || now.Sub(e.at) >= queueRecount || e.n+n > max-max/4 {
		return 0, false
	}
	return e.n, true
}

// set records a sink's estimate after queueing; counted says the queue
// was counted for it just now.
func (q *queueEstimates) set(sink int64, n int, counted bool, now time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.m == nil {
		q.m = map[int64]queueEstimate{}
	}
	e := q.m[sink]
	e.n = n
	if counted {
		e.at = now
	}
	q.m[sink] = e
}

// drop forgets a sink's estimate (a dead delivery requeued, a sink gone).
func (q *queueEstimates) drop(sink int64) {
	q.mu.Lock()
	delete(q.m, sink)
	q.mu.Unlock()
}

const sinkCols = "id, name, kind, destination, format, min_score, min_level, incident, secret, options, max_queue, overflow, created, created_by"

// AddAlertSink stores a new sink.
func (s *Store) AddAlertSink(ctx context.Context, k fleet.AlertSink, now time.Time) (fleet.AlertSink, error) {
	if k.MaxQueue <= 0 {
		k.MaxQueue = defaultMaxQueue
	}
	k.Created = now.UTC().Truncate(time.Millisecond)
	err := s.write(ctx, func(tx *sql.Tx) error {
		err := s.row(ctx, tx, `INSERT INTO alert_sinks (name, kind, destination, format, min_score, min_level, incident, secret, max_queue, created, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING id`,
			k.Name, k.Kind, k.Destination, k.Format, k.MinScore, k.MinLevel, k.Incident, k.Secret, k.MaxQueue, ms(k.Created), k.CreatedBy).Scan(&k.ID)
		if err == sql.ErrNoRows {
			return fmt.Errorf("alert sink %q: %w", k.Name, store.ErrExists)
		}
		return err
	})
	if err != nil {
		return fleet.AlertSink{}, fmt.Errorf("add alert sink: %w", err)
	}
	k.HasSecret = k.Secret != ""
	return k, nil
}

// AlertSinks lists the sinks, secrets included, with their queue counts.
func (s *Store) AlertSinks(ctx context.Context) ([]fleet.AlertSink, error) {
	out, err := s.AlertSinkConfigs(ctx)
	if err != nil {
		return nil, err
	}
	return out, s.sinkCounts(ctx, out)
}

// AlertSinkConfigs lists the sinks, secrets included, without counting
// their queues (the delivery worker's view, read every round).
func (s *Store) AlertSinkConfigs(ctx context.Context) ([]fleet.AlertSink, error) {
	rs, err := s.query(ctx, s.db, "SELECT "+sinkCols+" FROM alert_sinks ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("alert sinks: %w", err)
	}
	var out []fleet.AlertSink
	for rs.Next() {
		var k fleet.AlertSink
		var options string
		var created int64
		if err := rs.Scan(&k.ID, &k.Name, &k.Kind, &k.Destination, &k.Format, &k.MinScore, &k.MinLevel, &k.Incident,
			&k.Secret, &options, &k.MaxQueue, &k.Overflow, &created, &k.CreatedBy); err != nil {
			rs.Close()
			return nil, fmt.Errorf("alert sinks: %w", s.wrap(err))
		}
		k.Created = tm(created)
		k.HasSecret = k.Secret != ""
		out = append(out, k)
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("alert sinks: %w", s.wrap(err))
	}
	return out, nil
}

// sinkCounts fills in the sinks' pending and dead counts.
func (s *Store) sinkCounts(ctx context.Context, out []fleet.AlertSink) error {
	byID := map[int64]*fleet.AlertSink{}
	for i := range out {
		byID[out[i].ID] = &out[i]
	}
	cs, err := s.query(ctx, s.db, "SELECT sink_id, state, COUNT(*) FROM alert_deliveries WHERE state <> ? GROUP BY sink_id, state", fleet.DeliverySent)
	if err != nil {
		return fmt.Errorf("alert queue counts: %w", err)
	}
	defer cs.Close()
	for cs.Next() {
		var id int64
		var state string
		var n int
		if err := cs.Scan(&id, &state, &n); err != nil {
			return fmt.Errorf("alert queue counts: %w", s.wrap(err))
		}
		if k := byID[id]; k != nil {
			switch state {
			case fleet.DeliveryPending:
				k.Pending = n
			case fleet.DeliveryDead:
				k.Dead = n
			}
		}
	}
	return s.wrap(cs.Err())
}

// DeleteAlertSink removes a sink with its deliveries and their attempts.
func (s *Store) DeleteAlertSink(ctx context.Context, id int64) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, `DELETE FROM alert_attempts WHERE delivery_id IN (SELECT id FROM alert_deliveries WHERE sink_id = ?)`, id); err != nil {
			return fmt.Errorf("delete alert sink %d: %w", id, err)
		}
		if _, err := s.exec(ctx, tx, "DELETE FROM alert_deliveries WHERE sink_id = ?", id); err != nil {
			return fmt.Errorf("delete alert sink %d: %w", id, err)
		}
		r, err := s.exec(ctx, tx, "DELETE FROM alert_sinks WHERE id = ?", id)
		if err != nil {
			return fmt.Errorf("delete alert sink %d: %w", id, err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return fmt.Errorf("alert sink %d: %w", id, store.ErrNotFound)
		}
		return nil
	})
	s.queueEst.drop(id)
	return err
}

const deliveryCols = "d.id, d.sink_id, k.name, d.finding_id, d.event, d.state, d.attempts, d.created, d.next_at, d.last_at, d.last_error"

func (s *Store) scanDeliveries(rs *sql.Rows) ([]fleet.AlertDelivery, error) {
	defer rs.Close()
	var out []fleet.AlertDelivery
	for rs.Next() {
		var d fleet.AlertDelivery
		var created, next, last int64
		if err := rs.Scan(&d.ID, &d.SinkID, &d.SinkName, &d.FindingID, &d.Event, &d.State, &d.Attempts, &created, &next, &last, &d.LastError); err != nil {
			return nil, fmt.Errorf("alert deliveries: %w", s.wrap(err))
		}
		d.Created, d.NextAt, d.LastAt = tm(created), tm(next), tm(last)
		out = append(out, d)
	}
	return out, s.wrap(rs.Err())
}

// ClaimDeliveries leases due pending deliveries in one statement: the
// UPDATE picks the rows (skipping rows another replica has locked on
// PostgreSQL) and returns them.
func (s *Store) ClaimDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]fleet.AlertDelivery, error) {
	if limit <= 0 {
		limit = 100
	}
	var out []fleet.AlertDelivery
	err := s.writeLazy(ctx, func(tx *sql.Tx) error {
		lock := s.d.ForUpdate
		if lock != "" {
			lock += " SKIP LOCKED"
		}
		rs, err := s.query(ctx, tx, `UPDATE alert_deliveries SET owner = ?, lease_until = ? WHERE id IN (
			SELECT id FROM alert_deliveries WHERE state = ? AND next_at <= ? AND (owner = '' OR owner = ? OR lease_until < ?)
			ORDER BY next_at, id LIMIT ?`+lock+`)
			RETURNING id, sink_id, COALESCE((SELECT name FROM alert_sinks k WHERE k.id = sink_id), ''), finding_id, event, state, attempts, created, next_at, last_at, last_error`,
			owner, ms(now.Add(lease)), fleet.DeliveryPending, ms(now), owner, ms(now), limit)
		if err != nil {
			return fmt.Errorf("claim alert deliveries: %w", err)
		}
		out, err = s.scanDeliveries(rs)
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].NextAt.Equal(out[j].NextAt) {
			return out[i].NextAt.Before(out[j].NextAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// FinishDelivery records an attempt of a delivery this owner holds.
func (s *Store) FinishDelivery(ctx context.Context, r store.DeliveryResult) error {
	return s.writeLazy(ctx, func(tx *sql.Tx) error {
		state, next := fleet.DeliveryPending, ms(r.NextAt)
		switch {
		case r.Err == "":
			state, next = fleet.DeliverySent, 0
		case r.Dead:
			state, next = fleet.DeliveryDead, 0
		}
		res, err := s.exec(ctx, tx, `UPDATE alert_deliveries SET state = ?, attempts = attempts + 1, next_at = ?, last_at = ?,
			last_error = ?, owner = '', lease_until = 0 WHERE id = ? AND owner = ? AND state = ?`,
			state, next, ms(r.At), r.Err, r.ID, r.Owner, fleet.DeliveryPending)
		if err != nil {
			return fmt.Errorf("finish alert delivery %d: %w", r.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("alert delivery %d: lease lost: %w", r.ID, store.ErrConflict)
		}
		ok := 0
		if r.Err == "" {
			ok = 1
		}
		if _, err := s.exec(ctx, tx, "INSERT INTO alert_attempts (delivery_id, at, ok, error) VALUES (?, ?, ?, ?)", r.ID, ms(r.At), ok, r.Err); err != nil {
			return fmt.Errorf("record alert attempt %d: %w", r.ID, err)
		}
		return nil
	})
}

// Deliveries lists deliveries newest first, each with its attempts.
func (s *Store) Deliveries(ctx context.Context, q store.DeliveryQuery) ([]fleet.AlertDelivery, error) {
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 100
	}
	where, args := []string{"1 = 1"}, []any{}
	if q.State != "" {
		where, args = append(where, "d.state = ?"), append(args, q.State)
	}
	if q.SinkID != 0 {
		where, args = append(where, "d.sink_id = ?"), append(args, q.SinkID)
	}
	rs, err := s.query(ctx, s.db, "SELECT "+deliveryCols+" FROM alert_deliveries d JOIN alert_sinks k ON k.id = d.sink_id WHERE "+
		strings.Join(where, " AND ")+" ORDER BY d.id DESC LIMIT ?", append(args, q.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("alert deliveries: %w", err)
	}
	out, err := s.scanDeliveries(rs)
	if err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]int64, len(out))
	idx := map[int64]int{}
	for i := range out {
		ids[i] = out[i].ID
		idx[out[i].ID] = i
	}
	cond, cargs := inList(s.d, "delivery_id", ids)
	as, err := s.query(ctx, s.db, "SELECT delivery_id, at, ok, error FROM alert_attempts WHERE "+cond+" ORDER BY at", cargs...)
	if err != nil {
		return nil, fmt.Errorf("alert attempts: %w", err)
	}
	defer as.Close()
	for as.Next() {
		var id, at int64
		var ok int
		var e string
		if err := as.Scan(&id, &at, &ok, &e); err != nil {
			return nil, fmt.Errorf("alert attempts: %w", s.wrap(err))
		}
		d := &out[idx[id]]
		d.History = append(d.History, fleet.AlertAttempt{At: tm(at), OK: ok == 1, Error: e})
	}
	return out, s.wrap(as.Err())
}

// RetryDelivery requeues a dead delivery, due now, with a fresh count of
// attempts.
func (s *Store) RetryDelivery(ctx context.Context, id int64, now time.Time) error {
	var sink int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		err := s.row(ctx, tx, `UPDATE alert_deliveries SET state = ?, attempts = 0, next_at = ?, owner = '', lease_until = 0
			WHERE id = ? AND state = ? RETURNING sink_id`, fleet.DeliveryPending, ms(now), id, fleet.DeliveryDead).Scan(&sink)
		if err != nil {
			return fmt.Errorf("dead alert delivery %d: %w", id, s.wrap(err))
		}
		return nil
	})
	// After the commit, so a count taken meanwhile is not kept.
	s.queueEst.drop(sink)
	return err
}
