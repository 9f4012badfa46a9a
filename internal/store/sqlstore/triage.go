package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// checkFinding locks a finding that a note or assignment is about, so it
// cannot name a finding that does not exist.
func (s *Store) checkSubject(ctx context.Context, tx *sql.Tx, kind, subject string) error {
	switch kind {
	case fleet.SubjectFinding:
		var id string
		if err := s.row(ctx, tx, "SELECT id FROM findings WHERE id = ?"+s.d.ForUpdate, subject).Scan(&id); err != nil {
			return fmt.Errorf("finding %s: %w", subject, s.wrap(err))
		}
	case fleet.SubjectIncident:
	default:
		return fmt.Errorf("triage subject kind %q unknown", kind)
	}
	return nil
}

// addNote stores a note unless the subject has fleet.MaxNotes already.
func (s *Store) addNote(ctx context.Context, tx *sql.Tx, n *fleet.TriageNote) error {
	var count int
	if err := s.row(ctx, tx, "SELECT COUNT(*) FROM triage_notes WHERE kind = ? AND subject = ?", n.Kind, n.Subject).Scan(&count); err != nil {
		return fmt.Errorf("count notes: %w", s.wrap(err))
	}
	if count >= fleet.MaxNotes {
		return fmt.Errorf("%s %s has %d notes: %w", n.Kind, n.Subject, count, store.ErrTooMany)
	}
	return s.row(ctx, tx, "INSERT INTO triage_notes (kind, subject, type, author, at, text) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
		n.Kind, n.Subject, n.Type, n.Author, ms(n.At), n.Text).Scan(&n.ID)
}

// Assign sets or clears an assignment and notes the change.
func (s *Store) Assign(ctx context.Context, kind, subject, assignee, actor string, now time.Time) (fleet.Assignment, error) {
	a := fleet.Assignment{Kind: kind, Subject: subject, Assignee: assignee, By: actor, At: now.UTC().Truncate(time.Millisecond)}
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := s.checkSubject(ctx, tx, kind, subject); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, "DELETE FROM triage_assignments WHERE kind = ? AND subject = ?", kind, subject); err != nil {
			return fmt.Errorf("assign: %w", err)
		}
		if assignee != "" {
			if _, err := s.exec(ctx, tx, "INSERT INTO triage_assignments (kind, subject, assignee, assigned_by, assigned_at) VALUES (?, ?, ?, ?, ?)",
				kind, subject, assignee, actor, ms(a.At)); err != nil {
				return fmt.Errorf("assign: %w", err)
			}
		}
		return s.addNote(ctx, tx, &fleet.TriageNote{Kind: kind, Subject: subject, Type: fleet.NoteAssign, Author: actor, At: a.At, Text: assignee})
	})
	if err != nil {
		return fleet.Assignment{}, fmt.Errorf("assign %s %s: %w", kind, subject, err)
	}
	return a, nil
}

// Assignments returns the assignments of subjects, by subject.
func (s *Store) Assignments(ctx context.Context, kind string, subjects []string) (map[string]fleet.Assignment, error) {
	out := map[string]fleet.Assignment{}
	for _, c := range chunks(subjects, s.d.MaxVars-1) {
		cond, args := inList(s.d, "subject", c)
		rs, err := s.query(ctx, s.db, "SELECT subject, assignee, assigned_by, assigned_at FROM triage_assignments WHERE kind = ? AND "+cond,
			append([]any{kind}, args...)...)
		if err != nil {
			return nil, fmt.Errorf("assignments: %w", err)
		}
		for rs.Next() {
			a := fleet.Assignment{Kind: kind}
			var at int64
			if err := rs.Scan(&a.Subject, &a.Assignee, &a.By, &at); err != nil {
				rs.Close()
				return nil, fmt.Errorf("assignments: %w", s.wrap(err))
			}
			a.At = tm(at)
			out[a.Subject] = a
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, fmt.Errorf("assignments: %w", s.wrap(err))
		}
	}
	return out, nil
}

// AddComment stores a comment on a finding or an incident.
func (s *Store) AddComment(ctx context.Context, kind, subject, author, text string, now time.Time) (fleet.TriageNote, error) {
	n := fleet.TriageNote{Kind: kind, Subject: subject, Type: fleet.NoteComment, Author: author, At: now.UTC().Truncate(time.Millisecond), Text: text}
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := s.checkSubject(ctx, tx, kind, subject); err != nil {
			return err
		}
		return s.addNote(ctx, tx, &n)
	})
	if err != nil {
		return fleet.TriageNote{}, fmt.Errorf("comment on %s %s: %w", kind, subject, err)
	}
	return n, nil
}

// TriageNotes lists a subject's notes, oldest first.
func (s *Store) TriageNotes(ctx context.Context, kind, subject string) ([]fleet.TriageNote, error) {
	rs, err := s.query(ctx, s.db, "SELECT id, type, author, at, text FROM triage_notes WHERE kind = ? AND subject = ? ORDER BY id LIMIT ?",
		kind, subject, fleet.MaxNotes)
	if err != nil {
		return nil, fmt.Errorf("triage notes: %w", err)
	}
	defer rs.Close()
	var out []fleet.TriageNote
	for rs.Next() {
		n := fleet.TriageNote{Kind: kind, Subject: subject}
		var at int64
		if err := rs.Scan(&n.ID, &n.Type, &n.Author, &at, &n.Text); err != nil {
			return nil, fmt.Errorf("triage notes: %w", s.wrap(err))
		}
		n.At = tm(at)
		out = append(out, n)
	}
	return out, s.wrap(rs.Err())
}

// SetFindingsState changes many findings' state in one transaction. The
// findings are locked in id order, as every other writer locks them.
func (s *Store) SetFindingsState(ctx context.Context, ids []string, state, reason, actor string, now time.Time) (changed, unchanged []string, err error) {
	if !fleet.ValidState(state) {
		return nil, nil, fmt.Errorf("unknown state %q", state)
	}
	ids = append([]string(nil), ids...)
	sort.Strings(ids)
	err = s.write(ctx, func(tx *sql.Tx) error {
		changed, unchanged = nil, nil
		from := map[string]string{}
		for _, c := range chunks(ids, s.d.MaxVars) {
			cond, args := inList(s.d, "id", c)
			rs, err := s.query(ctx, tx, "SELECT id, state FROM findings WHERE "+cond+" ORDER BY id"+s.d.ForUpdate, args...)
			if err != nil {
				return fmt.Errorf("bulk state: %w", err)
			}
			for rs.Next() {
				var id, st string
				if err := rs.Scan(&id, &st); err != nil {
					rs.Close()
					return fmt.Errorf("bulk state: %w", s.wrap(err))
				}
				from[id] = st
			}
			rs.Close()
			if err := rs.Err(); err != nil {
				return fmt.Errorf("bulk state: %w", s.wrap(err))
			}
		}
		for i, id := range ids {
			if i > 0 && ids[i-1] == id {
				continue
			}
			st, ok := from[id]
			switch {
			case !ok:
				return fmt.Errorf("finding %s: %w", id, store.ErrNotFound)
			case st == state:
				unchanged = append(unchanged, id)
				continue
			}
			if err := s.changeState(ctx, tx, id, st, state, reason, actor, ms(now)); err != nil {
				return fmt.Errorf("bulk state %s: %w", id, err)
			}
			changed = append(changed, id)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return changed, unchanged, nil
}
