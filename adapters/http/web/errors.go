package web

import (
	"fmt"
	"net/http"
	"time"
)

// Error is a transport-level failure with a stable code, for conditions that exist only at
// the HTTP edge (bad JSON, an oversize body, a rate limit). Domain errors stay sentinels.
type Error struct {
	// Status is the HTTP status code.
	Status int
	// Code is the stable snake_case code; its title and detail come from the catalogue.
	Code string
	// Data fills the detail message's template.
	Data map[string]any
	// RetryAfter, when set, becomes the Retry-After header.
	RetryAfter time.Duration
	// Extensions are extra members of the problem object.
	Extensions map[string]any
	// Err is the underlying cause, logged but never shown.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Code, e.Err)
	}
	return e.Code
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// NewError returns an Error with the given status and code.
func NewError(status int, code string) *Error {
	return &Error{Status: status, Code: code}
}

// codeForStatus names the generic problem for a bare status (e.g. Fiber's own errors).
func codeForStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "bad_request"
	case http.StatusUnauthorized:
		return "unauthenticated"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusRequestTimeout:
		return "request_timeout"
	case http.StatusConflict:
		return "conflict"
	case http.StatusRequestEntityTooLarge:
		return "payload_too_large"
	case http.StatusUnsupportedMediaType:
		return "unsupported_media_type"
	case http.StatusTooManyRequests:
		return "too_many_requests"
	case http.StatusNotImplemented:
		return "method_not_implemented"
	case http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return "service_unavailable"
	}
	if status >= 500 {
		return "internal_error"
	}
	return "bad_request"
}
