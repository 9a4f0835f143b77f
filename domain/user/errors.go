package user

import "github.com/keelhq/keel/domain/kernel"

// The user context's errors, each with its own public code.
var (
	// ErrNotFound: no such user, or the caller may not see it.
	ErrNotFound = kernel.NewError(kernel.KindNotFound, "not_found")
	// ErrForbidden: the actor may not perform the action.
	ErrForbidden = kernel.NewError(kernel.KindForbidden, "forbidden")
	// ErrEmailTaken: another account has this e-mail address.
	ErrEmailTaken = kernel.NewError(kernel.KindConflict, "email_taken")
	// ErrLastAdmin: the change would leave no active administrator.
	ErrLastAdmin = kernel.NewError(kernel.KindUnprocessable, "last_admin")
)
