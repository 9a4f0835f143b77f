package audit

import "github.com/keelhq/keel/ports"

// AdminOnly is the audit context's policy: only administrators read the trail. It is
// exported so that an edge can refuse a request before it decodes the input (the use
// case applies it again).
func AdminOnly(actor ports.Actor) error {
	if !actor.IsAdmin() {
		return ErrForbidden
	}
	return nil
}
