// Package auth stores the auth context's credentials, sessions, refresh tokens and one-time
// tokens in PostgreSQL (domain/auth.Store), and answers the per-request session check
// (domain/auth.SessionStatus) with one query.
package auth

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/keelhq/keel/domain/auth"
)

// credentialRow is one credentials row.
type credentialRow struct {
	bun.BaseModel `bun:"table:credentials,alias:c"`

	UserID       uuid.UUID `bun:"user_id,pk,type:uuid"`
	PasswordHash string    `bun:"password_hash,notnull"`
	UpdatedAt    time.Time `bun:"updated_at,notnull"`
}

// sessionRow is one sessions row.
type sessionRow struct {
	bun.BaseModel `bun:"table:sessions,alias:s"`

	ID           uuid.UUID `bun:"id,pk,type:uuid"`
	UserID       uuid.UUID `bun:"user_id,notnull,type:uuid"`
	UserAgent    string    `bun:"user_agent,notnull"`
	IP           string    `bun:"ip,notnull"`
	CreatedAt    time.Time `bun:"created_at,notnull"`
	LastUsedAt   time.Time `bun:"last_used_at,notnull"`
	ExpiresAt    time.Time `bun:"expires_at,notnull"`
	RevokedAt    time.Time `bun:"revoked_at,nullzero"`
	RevokeReason string    `bun:"revoke_reason,nullzero"`
}

// refreshTokenRow is one refresh_tokens row.
type refreshTokenRow struct {
	bun.BaseModel `bun:"table:refresh_tokens,alias:rt"`

	ID        uuid.UUID `bun:"id,pk,type:uuid"`
	SessionID uuid.UUID `bun:"session_id,notnull,type:uuid"`
	TokenHash []byte    `bun:"token_hash,notnull,type:bytea"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	SpentAt   time.Time `bun:"spent_at,nullzero"`
}

// oneTimeTokenRow is one one_time_tokens row.
type oneTimeTokenRow struct {
	bun.BaseModel `bun:"table:one_time_tokens,alias:ott"`

	ID        uuid.UUID `bun:"id,pk,type:uuid"`
	UserID    uuid.UUID `bun:"user_id,notnull,type:uuid"`
	Purpose   string    `bun:"purpose,notnull"`
	TokenHash []byte    `bun:"token_hash,notnull,type:bytea"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	ExpiresAt time.Time `bun:"expires_at,notnull"`
	UsedAt    time.Time `bun:"used_at,nullzero"`
}

// sessionToRow converts a session for storage.
func sessionToRow(sess *auth.Session) *sessionRow {
	s := sess.Record()
	return &sessionRow{
		ID: s.ID, UserID: s.UserID, UserAgent: s.UserAgent, IP: s.IP, CreatedAt: s.CreatedAt,
		LastUsedAt: s.LastUsedAt, ExpiresAt: s.ExpiresAt, RevokedAt: s.RevokedAt, RevokeReason: s.RevokeReason,
	}
}

// sessionToDomain converts a sessions row.
func sessionToDomain(r *sessionRow) (*auth.Session, error) {
	sess, err := auth.RestoreSession(auth.SessionRecord{
		ID: r.ID, UserID: r.UserID, UserAgent: r.UserAgent, IP: r.IP, CreatedAt: utc(r.CreatedAt),
		LastUsedAt: utc(r.LastUsedAt), ExpiresAt: utc(r.ExpiresAt), RevokedAt: utc(r.RevokedAt),
		RevokeReason: r.RevokeReason,
	})
	if err != nil {
		return nil, fmt.Errorf("session %s: %w", r.ID, err)
	}
	return sess, nil
}

// sessionsToDomain converts sessions rows.
func sessionsToDomain(rows []sessionRow) ([]*auth.Session, error) {
	out := make([]*auth.Session, len(rows))
	for i := range rows {
		var err error
		if out[i], err = sessionToDomain(&rows[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// refreshTokenToRow converts a refresh token for storage.
func refreshTokenToRow(t auth.RefreshToken) *refreshTokenRow {
	return &refreshTokenRow{ID: t.ID, SessionID: t.SessionID, TokenHash: t.Hash, CreatedAt: t.CreatedAt, SpentAt: t.SpentAt}
}

// refreshTokenToDomain converts a refresh_tokens row.
func refreshTokenToDomain(r *refreshTokenRow) auth.RefreshToken {
	return auth.RefreshToken{
		ID: r.ID, SessionID: r.SessionID, Hash: r.TokenHash, CreatedAt: utc(r.CreatedAt), SpentAt: utc(r.SpentAt),
	}
}

// oneTimeTokenToRow converts a one-time token for storage.
func oneTimeTokenToRow(t auth.OneTimeToken) *oneTimeTokenRow {
	return &oneTimeTokenRow{
		ID: t.ID, UserID: t.UserID, Purpose: t.Purpose, TokenHash: t.Hash, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt,
	}
}

// utc returns t in UTC, keeping the zero time zero.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}
