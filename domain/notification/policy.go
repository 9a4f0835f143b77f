package notification

import (
	"github.com/google/uuid"

	"github.com/keelhq/keel/ports"
)

// The notification context's authorization policy: each action states which of these it
// needs, before it reads or writes anything.

// AdminOnly lets administrators through: only they send notifications. It is exported
// so that an edge can refuse a request before it decodes the input (the use case
// applies it again).
func AdminOnly(actor ports.Actor) error {
	if !actor.IsAdmin() {
		return ErrForbidden
	}
	return nil
}

// SignedIn lets a signed-in account act on its own notifications (its own and the
// broadcasts), never on another account's.
func SignedIn(actor ports.Actor) error {
	if actor.UserID == uuid.Nil {
		return ErrForbidden
	}
	return nil
}
