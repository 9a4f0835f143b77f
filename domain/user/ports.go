package user

import (
	"context"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/kernel"
)

// Filter narrows the admin list of users.
type Filter struct {
	// Q matches a prefix of the e-mail address or (case-insensitively) of the name.
	Q      string
	Role   kernel.Role
	Status Status
}

// Repository stores users.
type Repository interface {
	// Create stores a new user; ErrEmailTaken when the address is in use.
	Create(ctx context.Context, u *User) error
	// Get returns the user; ErrNotFound when there is none.
	Get(ctx context.Context, id uuid.UUID) (*User, error)
	// GetForUpdate is Get, locking the row until the transaction ends.
	GetForUpdate(ctx context.Context, id uuid.UUID) (*User, error)
	// ByEmail returns the user with the address; ErrNotFound when there is none.
	ByEmail(ctx context.Context, email kernel.Email) (*User, error)
	// Update stores the user's new state; ErrEmailTaken when the address is in use.
	Update(ctx context.Context, u *User) error
	// List returns up to page.Limit+1 users matching f, newest first, after page.After.
	List(ctx context.Context, f Filter, page kernel.Page) ([]*User, error)
	// LockActiveAdmins locks the active administrators' rows and returns their ids, so
	// that concurrent demotions cannot both see another admin left.
	LockActiveAdmins(ctx context.Context) ([]uuid.UUID, error)
}

// Access is what the user context needs from the auth context when an account is
// disabled or deleted.
type Access interface {
	// RevokeSessions ends every session of the user at once.
	RevokeSessions(ctx context.Context, userID uuid.UUID, reason string) error
	// EraseCredentials removes the user's password and sessions for good.
	EraseCredentials(ctx context.Context, userID uuid.UUID) error
	// SessionsChanged tells signed-in sessions that the account's role changed.
	SessionsChanged(ctx context.Context, userID uuid.UUID) error
}

// Notices tells an account about changes to it, in its own language, in the transaction
// of the change (implemented over the notification context).
type Notices interface {
	// RoleChanged tells u (in its new state) that an administrator changed its role.
	RoleChanged(ctx context.Context, u *User) error
}
