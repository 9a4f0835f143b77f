package notification

import "github.com/keelhq/keel/domain/kernel"

// The notification context's errors, each with its own public code.
var (
	// ErrNotFound: no such notification, or not one the caller may see.
	ErrNotFound = kernel.NewError(kernel.KindNotFound, "not_found")
	// ErrForbidden: the actor may not perform the action.
	ErrForbidden = kernel.NewError(kernel.KindForbidden, "forbidden")
	// ErrUnknownRecipient: the notification names an account that does not exist (or was
	// deleted).
	ErrUnknownRecipient = kernel.NewError(kernel.KindUnprocessable, "unknown_recipient")
)
