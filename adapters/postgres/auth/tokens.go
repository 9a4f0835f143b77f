package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/postgres"
	"github.com/keelhq/keel/domain/auth"
)

// CreateRefreshToken implements auth.Store.
func (s *Store) CreateRefreshToken(ctx context.Context, t auth.RefreshToken) error {
	if _, err := postgres.Conn(ctx, s.db).NewInsert().Model(refreshTokenToRow(t)).Exec(ctx); err != nil {
		return fmt.Errorf("create refresh token of session %s: %w", t.SessionID, err)
	}
	return nil
}

// RefreshTokenForUpdate implements auth.Store: it finds the token by hash, spent or not,
// and locks it; auth.ErrInvalidRefreshToken when there is none.
func (s *Store) RefreshTokenForUpdate(ctx context.Context, hash []byte) (auth.RefreshToken, error) {
	var row refreshTokenRow
	err := postgres.Conn(ctx, s.db).NewSelect().Model(&row).Where("rt.token_hash = ?", hash).For("UPDATE").Scan(ctx)
	if postgres.NoRows(err) {
		return auth.RefreshToken{}, auth.ErrInvalidRefreshToken
	}
	if err != nil {
		return auth.RefreshToken{}, fmt.Errorf("lock refresh token: %w", err)
	}
	return refreshTokenToDomain(&row), nil
}

// SpendRefreshToken implements auth.Store: it marks the unspent token spent at now;
// auth.ErrInvalidRefreshToken when it is unknown or already spent (the first spend's
// time is kept).
func (s *Store) SpendRefreshToken(ctx context.Context, id uuid.UUID, now time.Time) error {
	res, err := postgres.Conn(ctx, s.db).NewUpdate().Model((*refreshTokenRow)(nil)).
		Set("spent_at = ?", now).Where("id = ?", id).Where("spent_at IS NULL").Exec(ctx)
	if err != nil {
		return fmt.Errorf("spend refresh token %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return auth.ErrInvalidRefreshToken
	}
	return nil
}

// CreateOneTimeToken implements auth.Store.
func (s *Store) CreateOneTimeToken(ctx context.Context, t auth.OneTimeToken) error {
	if _, err := postgres.Conn(ctx, s.db).NewInsert().Model(oneTimeTokenToRow(t)).Exec(ctx); err != nil {
		return fmt.Errorf("create %s token of %s: %w", t.Purpose, t.UserID, err)
	}
	return nil
}

// ConsumeOneTimeToken implements auth.Store with one atomic statement, so two concurrent
// uses of a token cannot both succeed; auth.ErrInvalidOrExpiredToken when the token is
// unknown, of another purpose, used, or expired at now.
func (s *Store) ConsumeOneTimeToken(ctx context.Context, hash []byte, purpose string, now time.Time) (uuid.UUID, error) {
	var userID uuid.UUID
	err := postgres.Conn(ctx, s.db).NewUpdate().Model((*oneTimeTokenRow)(nil)).
		Set("used_at = ?", now).
		Where("token_hash = ?", hash).Where("purpose = ?", purpose).
		Where("used_at IS NULL").Where("expires_at > ?", now).
		Returning("user_id").Scan(ctx, &userID)
	if postgres.NoRows(err) {
		return uuid.Nil, auth.ErrInvalidOrExpiredToken
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("consume %s token: %w", purpose, err)
	}
	return userID, nil
}

// PurgeSessions implements auth.Store: one statement deletes up to limit sessions that
// expired or were revoked before `before`; their refresh tokens cascade.
func (s *Store) PurgeSessions(ctx context.Context, before time.Time, limit int) (int64, error) {
	const q = `DELETE FROM sessions WHERE id IN (
		SELECT id FROM sessions WHERE expires_at < ?0 OR revoked_at < ?0 LIMIT ?1 FOR UPDATE SKIP LOCKED)`
	res, err := postgres.Conn(ctx, s.db).NewRaw(q, before, limit).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("purge sessions: %w", err)
	}
	return res.RowsAffected()
}

// PurgeOneTimeTokens implements auth.Store: one statement deletes up to limit one-time
// tokens that expired or were used before `before`.
func (s *Store) PurgeOneTimeTokens(ctx context.Context, before time.Time, limit int) (int64, error) {
	const q = `DELETE FROM one_time_tokens WHERE id IN (
		SELECT id FROM one_time_tokens WHERE expires_at < ?0 OR used_at < ?0 LIMIT ?1 FOR UPDATE SKIP LOCKED)`
	res, err := postgres.Conn(ctx, s.db).NewRaw(q, before, limit).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("purge one-time tokens: %w", err)
	}
	return res.RowsAffected()
}
