package audit

import "github.com/keelhq/keel/domain/kernel"

// The audit context's errors.
var (
	// ErrForbidden: only administrators read the trail.
	ErrForbidden = kernel.NewError(kernel.KindForbidden, "forbidden")
)
