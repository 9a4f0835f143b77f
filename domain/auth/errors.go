package auth

import "github.com/keelhq/keel/domain/kernel"

// The auth context's errors.
var (
	ErrInvalidCredentials     = kernel.NewError(kernel.KindUnauthenticated, "invalid_credentials")
	ErrAccountDisabled        = kernel.NewError(kernel.KindForbidden, "account_disabled")
	ErrInvalidRefreshToken    = kernel.NewError(kernel.KindUnauthenticated, "invalid_refresh_token")
	ErrRefreshTokenReused     = kernel.NewError(kernel.KindUnauthenticated, "refresh_token_reused")
	ErrInvalidToken           = kernel.NewError(kernel.KindUnauthenticated, "unauthenticated")
	ErrInvalidOrExpiredToken  = kernel.NewError(kernel.KindInvalid, "invalid_or_expired_token")
	ErrInvalidCurrentPassword = kernel.NewError(kernel.KindInvalid, "invalid_current_password")
	ErrSessionNotFound        = kernel.NewError(kernel.KindNotFound, "not_found")
	// ErrAccountNotFound is returned by Accounts when no account has the e-mail or id.
	ErrAccountNotFound = kernel.NewError(kernel.KindNotFound, "not_found")
	// ErrNoCredentials is returned by the Store for an account without a password.
	ErrNoCredentials = kernel.NewError(kernel.KindNotFound, "not_found")
)
