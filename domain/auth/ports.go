package auth

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/kernel"
)

// Accounts is how auth reads user accounts (implemented over the user context); both
// return ErrAccountNotFound when there is none.
type Accounts interface {
	ByEmail(ctx context.Context, email kernel.Email) (Account, error)
	ByID(ctx context.Context, id uuid.UUID) (Account, error)
}

// PasswordHasher hashes and checks passwords (Argon2id in PHC string format).
type PasswordHasher interface {
	Hash(ctx context.Context, password string) (string, error)
	// Verify reports whether password matches encoded, and whether encoded was made with
	// other parameters than the current ones and should be replaced.
	Verify(ctx context.Context, password, encoded string) (match, rehash bool, err error)
}

// AccessTokens issues and verifies signed access tokens.
type AccessTokens interface {
	Issue(c Claims) (string, error)
	// Verify returns the claims of a valid, unexpired token, or ErrInvalidToken.
	Verify(token string) (Claims, error)
}

// Store keeps credentials, sessions and tokens.
type Store interface {
	SetPassword(ctx context.Context, userID uuid.UUID, hash string, now time.Time) error
	PasswordHash(ctx context.Context, userID uuid.UUID) (string, error)
	// DeleteCredentials removes the user's password and every one-time token it has.
	DeleteCredentials(ctx context.Context, userID uuid.UUID) error

	CreateSession(ctx context.Context, s *Session) error
	// SessionForUpdate returns the session, locking it; ErrSessionNotFound when none.
	SessionForUpdate(ctx context.Context, id uuid.UUID) (*Session, error)
	// ActiveSessions lists the user's unrevoked, unexpired sessions, newest first.
	ActiveSessions(ctx context.Context, userID uuid.UUID, now time.Time) ([]*Session, error)
	TouchSession(ctx context.Context, id uuid.UUID, now time.Time) error
	// RevokeSessions revokes the user's active sessions except `except` (may be zero) and
	// returns those it revoked, revoked; RevokeSession revokes one and reports if it was
	// active.
	RevokeSessions(ctx context.Context, userID, except uuid.UUID, reason string, now time.Time) ([]*Session, error)
	RevokeSession(ctx context.Context, id uuid.UUID, reason string, now time.Time) (bool, error)
	// DeleteSessions removes every session of the user and returns their ids.
	DeleteSessions(ctx context.Context, userID uuid.UUID) ([]uuid.UUID, error)

	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	// RefreshTokenForUpdate finds a refresh token by hash, locking it; ErrInvalidRefreshToken.
	RefreshTokenForUpdate(ctx context.Context, hash []byte) (RefreshToken, error)
	SpendRefreshToken(ctx context.Context, id uuid.UUID, now time.Time) error

	CreateOneTimeToken(ctx context.Context, t OneTimeToken) error
	// ConsumeOneTimeToken marks the unexpired, unused token with hash and purpose used and
	// returns its user; ErrInvalidOrExpiredToken otherwise.
	ConsumeOneTimeToken(ctx context.Context, hash []byte, purpose string, now time.Time) (uuid.UUID, error)

	// PurgeSessions deletes up to limit sessions that expired or were revoked before
	// `before`, with their refresh tokens, and returns how many sessions went.
	PurgeSessions(ctx context.Context, before time.Time, limit int) (int64, error)
	// PurgeOneTimeTokens deletes up to limit one-time tokens that expired or were used
	// before `before`, and returns how many went.
	PurgeOneTimeTokens(ctx context.Context, before time.Time, limit int) (int64, error)
}

// SessionState is what every authenticated request needs to know of its session now.
type SessionState struct {
	Active bool
	// UserID is the account the session belongs to.
	UserID uuid.UUID
	// Role is the account's current role (it may have changed since the token was issued).
	Role kernel.Role
	// Locale is the account's current language.
	Locale kernel.Locale
}

// SessionStatus answers, on every authenticated request, whether a session is still
// active and with which role. Implementations may cache answers, and must drop them when
// told through SessionEvents, on every api instance.
type SessionStatus interface {
	SessionState(ctx context.Context, id uuid.UUID) (SessionState, error)
}

// SessionEvents broadcasts that sessions changed (revoked, or their account's role or
// status changed) so that every api instance forgets what it cached about them.
type SessionEvents interface {
	Invalidate(ctx context.Context, sessionIDs ...uuid.UUID)
}

// Mail sends a templated e-mail in the recipient's locale.
type Mail interface {
	Send(ctx context.Context, to, template, locale string, data map[string]string) error
}
