// Package notification stores the notification context's notifications and read states
// in memory (domain/notification.Repository), for unit tests and in-process fallbacks. It
// takes part in a memory.Tx's rollbacks and passes the same contract suite as the
// PostgreSQL repository.
package notification

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/memory"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/notification"
)

// readKey names one reader's read of one notification.
type readKey struct{ id, reader uuid.UUID }

// read is one reader's read state; a purged read of a broadcast hides it from the reader.
type read struct {
	at     time.Time
	hidden bool
}

// Repository implements notification.Repository in memory. It is safe for concurrent use.
type Repository struct {
	mu    sync.Mutex
	notes map[uuid.UUID]notification.Record
	reads map[readKey]read
}

var (
	_ notification.Repository = (*Repository)(nil)
	_ memory.Participant      = (*Repository)(nil)
)

// NewRepository returns an empty Repository registered with tx, so that tx's rollbacks
// restore it; with a nil tx it is registered nowhere.
func NewRepository(tx *memory.Tx) *Repository {
	r := &Repository{notes: map[uuid.UUID]notification.Record{}, reads: map[readKey]read{}}
	tx.Register(r)
	return r
}

// Snapshot implements memory.Participant.
func (r *Repository) Snapshot() (restore func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	notes, reads := maps.Clone(r.notes), maps.Clone(r.reads)
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.notes, r.reads = notes, reads
	}
}

// Create implements notification.Repository.
func (r *Repository) Create(_ context.Context, n *notification.Notification) error {
	rec := n.Record()
	rec.Data = maps.Clone(rec.Data)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes[rec.ID] = rec
	return nil
}

// visible reports whether reader sees rec, and its read state. r.mu must be held.
func (r *Repository) visible(rec notification.Record, reader uuid.UUID) (read, bool) {
	if rec.UserID != reader && rec.UserID != uuid.Nil {
		return read{}, false
	}
	rd := r.reads[readKey{rec.ID, reader}]
	return rd, !rd.hidden
}

// List implements notification.Repository.
func (r *Repository) List(_ context.Context, reader uuid.UUID, f notification.Filter, page kernel.Page) ([]notification.Item, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	recs := slices.SortedFunc(maps.Values(r.notes), func(a, b notification.Record) int {
		return -memory.CompareIDs(a.ID, b.ID)
	})
	var out []notification.Item
	for _, rec := range recs {
		if len(out) > page.Limit {
			break
		}
		if page.After != uuid.Nil && memory.CompareIDs(rec.ID, page.After) >= 0 {
			continue
		}
		rd, ok := r.visible(rec, reader)
		if !ok || (f.Unread && !rd.at.IsZero()) {
			continue
		}
		n, err := notification.Restore(rec)
		if err != nil {
			return nil, err
		}
		out = append(out, notification.Item{Notification: n, ReadAt: rd.at})
	}
	return out, nil
}

// MarkRead implements notification.Repository.
func (r *Repository) MarkRead(_ context.Context, reader, id uuid.UUID, now time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec, ok := r.notes[id]
	if !ok {
		return notification.ErrNotFound
	}
	rd, ok := r.visible(rec, reader)
	if !ok {
		return notification.ErrNotFound
	}
	if rd.at.IsZero() {
		r.reads[readKey{id, reader}] = read{at: now}
	}
	return nil
}

// MarkAllRead implements notification.Repository.
func (r *Repository) MarkAllRead(_ context.Context, reader uuid.UUID, now time.Time) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var n int64
	for id, rec := range r.notes {
		if rd, ok := r.visible(rec, reader); ok && rd.at.IsZero() {
			r.reads[readKey{id, reader}] = read{at: now}
			n++
		}
	}
	return n, nil
}

// PurgeRead implements notification.Repository, oldest reads first.
func (r *Repository) PurgeRead(_ context.Context, before time.Time, limit int) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var due []readKey
	for k, rd := range r.reads {
		if !rd.hidden && rd.at.Before(before) {
			due = append(due, k)
		}
	}
	slices.SortFunc(due, func(a, b readKey) int { return r.reads[a].at.Compare(r.reads[b].at) })
	due = due[:min(len(due), limit)]
	for _, k := range due {
		if r.notes[k.id].UserID == uuid.Nil {
			r.reads[k] = read{at: r.reads[k].at, hidden: true}
			continue
		}
		delete(r.reads, k)
		delete(r.notes, k.id)
	}
	return int64(len(due)), nil
}
