package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/keelhq/keel/adapters/postgres"
	"github.com/keelhq/keel/domain/auth"
)

// Store implements auth.Store over the credentials, sessions, refresh_tokens and
// one_time_tokens tables. Every query joins the transaction carried by its context.
type Store struct {
	db *bun.DB
}

// NewStore returns a Store over db.
func NewStore(db *bun.DB) *Store { return &Store{db: db} }

var _ auth.Store = (*Store)(nil)

// SetPassword implements auth.Store: it stores or replaces the user's password hash.
func (s *Store) SetPassword(ctx context.Context, userID uuid.UUID, hash string, now time.Time) error {
	row := &credentialRow{UserID: userID, PasswordHash: hash, UpdatedAt: now}
	_, err := postgres.Conn(ctx, s.db).NewInsert().Model(row).
		On("CONFLICT (user_id) DO UPDATE").
		Set("password_hash = EXCLUDED.password_hash").
		Set("updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("set password of %s: %w", userID, err)
	}
	return nil
}

// PasswordHash implements auth.Store; auth.ErrNoCredentials when the user has no password.
func (s *Store) PasswordHash(ctx context.Context, userID uuid.UUID) (string, error) {
	var hash string
	err := postgres.Conn(ctx, s.db).NewSelect().Model((*credentialRow)(nil)).Column("password_hash").
		Where("user_id = ?", userID).Scan(ctx, &hash)
	if postgres.NoRows(err) {
		return "", auth.ErrNoCredentials
	}
	if err != nil {
		return "", fmt.Errorf("password hash of %s: %w", userID, err)
	}
	return hash, nil
}

// DeleteCredentials implements auth.Store; deleting none is not an error.
func (s *Store) DeleteCredentials(ctx context.Context, userID uuid.UUID) error {
	db := postgres.Conn(ctx, s.db)
	for _, model := range []any{(*credentialRow)(nil), (*oneTimeTokenRow)(nil)} {
		if _, err := db.NewDelete().Model(model).Where("user_id = ?", userID).Exec(ctx); err != nil {
			return fmt.Errorf("delete credentials of %s: %w", userID, err)
		}
	}
	return nil
}

// CreateSession implements auth.Store.
func (s *Store) CreateSession(ctx context.Context, sess *auth.Session) error {
	if _, err := postgres.Conn(ctx, s.db).NewInsert().Model(sessionToRow(sess)).Exec(ctx); err != nil {
		return fmt.Errorf("create session %s: %w", sess.ID(), err)
	}
	return nil
}

// SessionForUpdate implements auth.Store; auth.ErrSessionNotFound when there is none.
func (s *Store) SessionForUpdate(ctx context.Context, id uuid.UUID) (*auth.Session, error) {
	var row sessionRow
	err := postgres.Conn(ctx, s.db).NewSelect().Model(&row).Where("s.id = ?", id).For("UPDATE").Scan(ctx)
	if postgres.NoRows(err) {
		return nil, auth.ErrSessionNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("lock session %s: %w", id, err)
	}
	return sessionToDomain(&row)
}

// ActiveSessions implements auth.Store: the user's sessions that are not revoked and
// expire after now, newest first. The idle limit is the domain's to check
// (auth.Session.Active): the store does not know it.
func (s *Store) ActiveSessions(ctx context.Context, userID uuid.UUID, now time.Time) ([]*auth.Session, error) {
	var rows []sessionRow
	err := postgres.Conn(ctx, s.db).NewSelect().Model(&rows).
		Where("s.user_id = ?", userID).Where("s.revoked_at IS NULL").Where("s.expires_at > ?", now).
		OrderExpr("s.created_at DESC, s.id DESC").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("active sessions of %s: %w", userID, err)
	}
	return sessionsToDomain(rows)
}

// TouchSession implements auth.Store: it records that the session was used at now;
// auth.ErrSessionNotFound when there is no such session.
func (s *Store) TouchSession(ctx context.Context, id uuid.UUID, now time.Time) error {
	res, err := postgres.Conn(ctx, s.db).NewUpdate().Model((*sessionRow)(nil)).
		Set("last_used_at = ?", now).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("touch session %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return auth.ErrSessionNotFound
	}
	return nil
}

// RevokeSessions implements auth.Store: it revokes every session of the user neither
// revoked nor expired, except `except` (uuid.Nil excepts none), and returns those it revoked.
func (s *Store) RevokeSessions(ctx context.Context, userID, except uuid.UUID, reason string, now time.Time) ([]*auth.Session, error) {
	q := postgres.Conn(ctx, s.db).NewUpdate().Model((*sessionRow)(nil)).
		Set("revoked_at = ?", now).Set("revoke_reason = ?", reason).
		Where("user_id = ?", userID).Where("revoked_at IS NULL").Where("expires_at > ?", now)
	if except != uuid.Nil {
		q = q.Where("id <> ?", except)
	}
	var rows []sessionRow
	if err := q.Returning("*").Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("revoke sessions of %s: %w", userID, err)
	}
	return sessionsToDomain(rows)
}

// RevokeSession implements auth.Store: it revokes the session and reports whether it
// changed it (false when unknown or already revoked).
func (s *Store) RevokeSession(ctx context.Context, id uuid.UUID, reason string, now time.Time) (bool, error) {
	res, err := postgres.Conn(ctx, s.db).NewUpdate().Model((*sessionRow)(nil)).
		Set("revoked_at = ?", now).Set("revoke_reason = ?", reason).
		Where("id = ?", id).Where("revoked_at IS NULL").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("revoke session %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("revoke session %s: %w", id, err)
	}
	return n > 0, nil
}

// DeleteSessions implements auth.Store: it deletes every session of the user (their
// refresh tokens cascade) and returns their ids.
func (s *Store) DeleteSessions(ctx context.Context, userID uuid.UUID) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := postgres.Conn(ctx, s.db).NewDelete().Model((*sessionRow)(nil)).
		Where("user_id = ?", userID).Returning("id").Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("delete sessions of %s: %w", userID, err)
	}
	return ids, nil
}
