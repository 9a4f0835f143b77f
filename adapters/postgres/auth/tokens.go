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

// pruneSQL deletes, in one statement, the sessions that expired or were revoked before
// ?0 (their refresh tokens cascade) and the one-time tokens that expired or were used
// before it, and counts the sessions and one-time tokens deleted.
const pruneSQL = `
WITH s AS (
	DELETE FROM sessions WHERE expires_at < ?0 OR revoked_at < ?0 RETURNING 1
), o AS (
	DELETE FROM one_time_tokens WHERE expires_at < ?0 OR used_at < ?0 RETURNING 1
)
SELECT (SELECT count(*) FROM s) + (SELECT count(*) FROM o)`

// Prune implements auth.Store. The count covers sessions and one-time tokens; the refresh
// tokens removed with their sessions are not counted.
func (s *Store) Prune(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	if err := postgres.Conn(ctx, s.db).NewRaw(pruneSQL, before).Scan(ctx, &n); err != nil {
		return 0, fmt.Errorf("prune sessions and tokens: %w", err)
	}
	return n, nil
}
