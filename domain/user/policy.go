package user

import (
	"github.com/google/uuid"

	"github.com/keelhq/keel/ports"
)

// The user context's authorization policy: each action states which of these it needs,
// before it reads or writes anything.

// adminOnly lets administrators through.
func adminOnly(actor ports.Actor) error {
	if actor.UserID == uuid.Nil || !actor.IsAdmin() {
		return ErrForbidden
	}
	return nil
}

// selfOnly lets a signed-in account act on itself.
func selfOnly(actor ports.Actor) error {
	if actor.UserID == uuid.Nil {
		return ErrForbidden
	}
	return nil
}
