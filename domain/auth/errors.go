package auth

import (
	"errors"

	"github.com/keelhq/keel/domain/kernel"
)

// The auth context's errors, each with its own public code.
var (
	ErrInvalidCredentials     = kernel.NewError(kernel.KindUnauthenticated, "invalid_credentials")
	ErrAccountDisabled        = kernel.NewError(kernel.KindForbidden, "account_disabled")
	ErrInvalidRefreshToken    = kernel.NewError(kernel.KindUnauthenticated, "invalid_refresh_token")
	ErrRefreshTokenReused     = kernel.NewError(kernel.KindUnauthenticated, "refresh_token_reused")
	ErrInvalidToken           = kernel.NewError(kernel.KindUnauthenticated, "unauthenticated")
	ErrInvalidOrExpiredToken  = kernel.NewError(kernel.KindInvalid, "invalid_or_expired_token")
	ErrInvalidCurrentPassword = kernel.NewError(kernel.KindInvalid, "invalid_current_password")
	ErrSessionNotFound        = kernel.NewError(kernel.KindNotFound, "not_found")
)

// Errors of auth's ports, which its actions handle and never let reach a caller.
var (
	// ErrAccountNotFound is returned by Accounts when no account has the e-mail or id.
	ErrAccountNotFound = errors.New("auth: account not found")
	// ErrNoCredentials is returned by the Store for an account without a password.
	ErrNoCredentials = errors.New("auth: account has no password")
)
