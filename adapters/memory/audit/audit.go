// Package audit keeps the audit trail in memory (domain/audit.Repository), for unit tests
// and in-process fallbacks. It stores copies of the entries and takes part in a
// memory.Tx's rollbacks.
package audit

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/memory"
	"github.com/keelhq/keel/domain/audit"
	"github.com/keelhq/keel/domain/kernel"
)

// Repository implements audit.Repository in memory. It is safe for concurrent use.
type Repository struct {
	mu      sync.Mutex
	entries []audit.Entry // in the order appended
}

var (
	_ audit.Repository   = (*Repository)(nil)
	_ memory.Participant = (*Repository)(nil)
)

// NewRepository returns an empty Repository registered with tx, so that tx's rollbacks
// take back the entries they appended; with a nil tx it is registered nowhere.
func NewRepository(tx *memory.Tx) *Repository {
	r := &Repository{}
	tx.Register(r)
	return r
}

// Snapshot implements memory.Participant: the returned function forgets every entry
// appended since.
func (r *Repository) Snapshot() (restore func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.entries)
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		clear(r.entries[min(n, len(r.entries)):])
		r.entries = r.entries[:min(n, len(r.entries))]
	}
}

// Append implements audit.Repository; an id already stored is an error.
func (r *Repository) Append(_ context.Context, e audit.Entry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if slices.ContainsFunc(r.entries, func(old audit.Entry) bool { return old.ID == e.ID }) {
		return fmt.Errorf("append audit entry %s: id already stored", e.ID)
	}
	r.entries = append(r.entries, clone(e))
	return nil
}

// List implements audit.Repository: entries matching every non-zero field of f (From
// inclusive, To exclusive), newest (highest UUIDv7) first, after page.After.
func (r *Repository) List(_ context.Context, f audit.Filter, page kernel.Page) ([]audit.Entry, error) {
	r.mu.Lock()
	var out []audit.Entry
	for _, e := range r.entries {
		if matches(e, f) && (page.After == uuid.Nil || memory.CompareIDs(e.ID, page.After) < 0) {
			out = append(out, e)
		}
	}
	r.mu.Unlock()
	slices.SortFunc(out, func(a, b audit.Entry) int { return -memory.CompareIDs(a.ID, b.ID) })
	out = out[:min(len(out), page.Limit+1)]
	for i := range out {
		out[i] = clone(out[i])
	}
	return out, nil
}

// matches reports whether e passes every non-zero field of f.
func matches(e audit.Entry, f audit.Filter) bool {
	switch {
	case f.ActorID != uuid.Nil && e.ActorID != f.ActorID,
		f.Entity != "" && e.Entity != f.Entity,
		f.EntityID != "" && e.EntityID != f.EntityID,
		f.Action != "" && e.Action != f.Action,
		!f.From.IsZero() && e.CreatedAt.Before(f.From),
		!f.To.IsZero() && !e.CreatedAt.Before(f.To):
		return false
	}
	return true
}

// clone returns e with its own Changes map, never nil.
func clone(e audit.Entry) audit.Entry {
	ch := maps.Clone(e.Changes)
	if ch == nil {
		ch = kernel.Changes{}
	}
	e.Changes = ch
	return e
}
