package user

import (
	"github.com/google/uuid"

	"github.com/keelhq/keel/ports"
)

// The user context's authorization policy: each action states which of these it needs,
// before it reads or writes anything.

// AdminOnly lets administrators through. It is exported so that an edge can refuse a
// request before it decodes the input (the use case applies it again).
func AdminOnly(actor ports.Actor) error {
	if !actor.IsAdmin() {
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
