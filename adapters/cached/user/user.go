// Package user caches the user context's accounts: a decorator of domain/user.Repository
// that serves Get from a cached.Store (cache-aside, coalesced, "not found" remembered
// briefly) and invalidates an account on every instance once a transaction that created
// or changed it has committed. Everything else goes straight to the decorated repository.
package user

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/cached"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/ports"
)

// Repository decorates a user.Repository with a cache.
type Repository struct {
	user.Repository
	store *cached.Store
	tx    ports.Tx
	inTx  func(context.Context) bool
}

var _ user.Repository = (*Repository)(nil)

// New returns inner behind store. tx registers the invalidations to run after commit;
// inTx tells whether ctx carries a transaction, whose reads bypass the cache (they must
// see the transaction's own writes).
func New(inner user.Repository, store *cached.Store, tx ports.Tx, inTx func(context.Context) bool) *Repository {
	return &Repository{Repository: inner, store: store, tx: tx, inTx: inTx}
}

// key is the cache key of an account, "user:<uuid>", built with one allocation.
func key(id uuid.UUID) string {
	return string(kernel.AppendID(append(make([]byte, 0, 5+36), "user:"...), id))
}

// Get implements user.Repository from the cache, outside transactions.
func (r *Repository) Get(ctx context.Context, id uuid.UUID) (*user.User, error) {
	if r.inTx(ctx) {
		return r.Repository.Get(ctx, id)
	}
	raw, found, err := r.store.Fetch(ctx, key(id), func(ctx context.Context) ([]byte, bool, error) {
		u, err := r.Repository.Get(ctx, id)
		if errors.Is(err, user.ErrNotFound) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		return toBytes(u.Record()), true, nil
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, user.ErrNotFound
	}
	rec, err := fromBytes(raw)
	if err != nil {
		return nil, fmt.Errorf("cached user %s: %w", id, err)
	}
	return user.Restore(rec)
}

// Create implements user.Repository; the account is invalidated after commit (it may be
// remembered as not found).
func (r *Repository) Create(ctx context.Context, u *user.User) error {
	if err := r.Repository.Create(ctx, u); err != nil {
		return err
	}
	r.invalidateAfterCommit(ctx, u.ID())
	return nil
}

// Update implements user.Repository; the account is invalidated after commit.
func (r *Repository) Update(ctx context.Context, u *user.User) error {
	if err := r.Repository.Update(ctx, u); err != nil {
		return err
	}
	r.invalidateAfterCommit(ctx, u.ID())
	return nil
}

func (r *Repository) invalidateAfterCommit(ctx context.Context, id uuid.UUID) {
	r.tx.AfterCommit(ctx, func() { r.store.Invalidate(context.WithoutCancel(ctx), key(id)) })
}
