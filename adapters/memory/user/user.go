// Package user stores the user context's accounts in memory (domain/user.Repository), for
// unit tests and in-process fallbacks. It keeps copies of the users' state, so a caller's
// *user.User changes the store only through Create and Update, and it takes part in a
// memory.Tx's rollbacks.
package user

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/memory"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/user"
)

// Repository implements user.Repository in memory. It is safe for concurrent use. Within
// a memory.Tx, transactions run one at a time, so GetForUpdate and LockActiveAdmins need
// no row locks of their own.
type Repository struct {
	mu    sync.Mutex
	users map[uuid.UUID]user.Record
}

var (
	_ user.Repository    = (*Repository)(nil)
	_ memory.Participant = (*Repository)(nil)
)

// NewRepository returns an empty Repository registered with tx, so that tx's rollbacks
// restore it; with a nil tx it is registered nowhere.
func NewRepository(tx *memory.Tx) *Repository {
	r := &Repository{users: map[uuid.UUID]user.Record{}}
	tx.Register(r)
	return r
}

// Snapshot implements memory.Participant.
func (r *Repository) Snapshot() (restore func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	saved := maps.Clone(r.users)
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.users = saved
	}
}

// emailTaken reports whether another user than id has the address. r.mu must be held.
func (r *Repository) emailTaken(email string, id uuid.UUID) bool {
	for _, rec := range r.users {
		if rec.Email == email && rec.ID != id {
			return true
		}
	}
	return false
}

// Create implements user.Repository.
func (r *Repository) Create(_ context.Context, u *user.User) error {
	rec := u.Record()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.emailTaken(rec.Email, uuid.Nil) {
		return user.ErrEmailTaken
	}
	if _, ok := r.users[rec.ID]; ok {
		return fmt.Errorf("create user %s: id already stored", rec.ID)
	}
	r.users[rec.ID] = rec
	return nil
}

// Get implements user.Repository.
func (r *Repository) Get(_ context.Context, id uuid.UUID) (*user.User, error) {
	r.mu.Lock()
	rec, ok := r.users[id]
	r.mu.Unlock()
	if !ok {
		return nil, user.ErrNotFound
	}
	return user.Restore(rec)
}

// GetForUpdate implements user.Repository; the lock is the memory.Tx's.
func (r *Repository) GetForUpdate(ctx context.Context, id uuid.UUID) (*user.User, error) {
	return r.Get(ctx, id)
}

// ByEmail implements user.Repository.
func (r *Repository) ByEmail(_ context.Context, email kernel.Email) (*user.User, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rec := range r.users {
		if rec.Email == string(email) {
			return user.Restore(rec)
		}
	}
	return nil, user.ErrNotFound
}

// Update implements user.Repository; ErrNotFound when the user is gone. The creation
// time stays as stored.
func (r *Repository) Update(_ context.Context, u *user.User) error {
	rec := u.Record()
	r.mu.Lock()
	defer r.mu.Unlock()
	old, ok := r.users[rec.ID]
	if !ok {
		return user.ErrNotFound
	}
	if r.emailTaken(rec.Email, rec.ID) {
		return user.ErrEmailTaken
	}
	rec.CreatedAt = old.CreatedAt
	r.users[rec.ID] = rec
	return nil
}

// List implements user.Repository: up to page.Limit+1 users matching f, newest (highest
// UUIDv7) first, after page.After.
func (r *Repository) List(_ context.Context, f user.Filter, page kernel.Page) ([]*user.User, error) {
	r.mu.Lock()
	var recs []user.Record
	for _, rec := range r.users {
		if matches(rec, f) && (page.After == uuid.Nil || memory.CompareIDs(rec.ID, page.After) < 0) {
			recs = append(recs, rec)
		}
	}
	r.mu.Unlock()
	slices.SortFunc(recs, func(a, b user.Record) int { return -memory.CompareIDs(a.ID, b.ID) })
	recs = recs[:min(len(recs), page.Limit+1)]
	users := make([]*user.User, 0, len(recs))
	for _, rec := range recs {
		u, err := user.Restore(rec)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, nil
}

// matches reports whether rec passes every non-zero field of f.
func matches(rec user.Record, f user.Filter) bool {
	if f.Role != "" && rec.Role != string(f.Role) {
		return false
	}
	if f.Status != "" && rec.Status != string(f.Status) {
		return false
	}
	if f.Q != "" {
		q := strings.ToLower(f.Q)
		return strings.HasPrefix(rec.Email, q) || strings.HasPrefix(strings.ToLower(rec.Name), q)
	}
	return true
}

// LockActiveAdmins implements user.Repository: the ids of the active administrators, in
// ascending order; the lock is the memory.Tx's.
func (r *Repository) LockActiveAdmins(context.Context) ([]uuid.UUID, error) {
	r.mu.Lock()
	var ids []uuid.UUID
	for id, rec := range r.users {
		if rec.Role == string(kernel.RoleAdmin) && rec.Status == string(user.StatusActive) {
			ids = append(ids, id)
		}
	}
	r.mu.Unlock()
	slices.SortFunc(ids, memory.CompareIDs)
	return ids, nil
}
