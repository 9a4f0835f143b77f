package user

import "github.com/keelhq/keel/domain/kernel"

// The user context's errors.
var (
	// ErrNotFound: no such user, or the caller may not see it.
	ErrNotFound = kernel.NewError(kernel.KindNotFound, "not_found")
	// ErrEmailTaken: another account has this e-mail address.
	ErrEmailTaken = kernel.NewError(kernel.KindConflict, "email_taken")
	// ErrLastAdmin: the change would leave no active administrator.
	ErrLastAdmin = kernel.NewError(kernel.KindUnprocessable, "last_admin")
)
