package kernel

import "errors"

// Kind classifies a domain error by what the caller did wrong (or what went wrong), so the
// edge can map it to a transport status without knowing the context that raised it.
type Kind int

// The kinds of domain error.
const (
	// KindInvalid is malformed input (HTTP 400).
	KindInvalid Kind = iota + 1
	// KindUnauthenticated means the caller is not signed in or its credentials are bad (401).
	KindUnauthenticated
	// KindForbidden means the caller may not do this (403).
	KindForbidden
	// KindNotFound means the resource does not exist or is hidden from the caller (404).
	KindNotFound
	// KindConflict means the request conflicts with current state (409).
	KindConflict
	// KindUnprocessable is a valid request that breaks a business rule (422).
	KindUnprocessable
	// KindRateLimited means the caller must slow down (429).
	KindRateLimited
	// KindUnavailable means a required dependency is down (503).
	KindUnavailable
)

// Error is a sentinel domain error with a stable, machine-readable snake_case code.
// Declare them once per context (var ErrEmailTaken = kernel.NewError(kernel.KindConflict,
// "email_taken")), wrap them with context as they travel, and compare with errors.Is.
type Error struct {
	kind Kind
	code string
}

// NewError declares a sentinel error of the given kind and code.
func NewError(kind Kind, code string) *Error {
	return &Error{kind: kind, code: code}
}

// Error returns the code; human-readable text comes from the message catalogue at the edge.
func (e *Error) Error() string { return e.code }

// Kind returns the error's kind.
func (e *Error) Kind() Kind { return e.kind }

// Code returns the stable code, e.g. "email_taken".
func (e *Error) Code() string { return e.code }

// AsError finds the first *Error in err's chain.
func AsError(err error) (*Error, bool) {
	var ke *Error
	ok := errors.As(err, &ke)
	return ke, ok
}

// ErrInvalidCursor means a pagination cursor was altered or belongs to another list; it
// is shared by every context's lists.
var ErrInvalidCursor = NewError(KindInvalid, "invalid_cursor")
