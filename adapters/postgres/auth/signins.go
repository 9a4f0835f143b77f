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

// SignIns implements auth.SignIns over the sign_in_history table. Every query joins the
// transaction carried by its context; Record must run inside one to serialise an
// account's concurrent sign-ins.
type SignIns struct {
	db *bun.DB
}

// NewSignIns returns a SignIns over db.
func NewSignIns(db *bun.DB) *SignIns { return &SignIns{db: db} }

var _ auth.SignIns = (*SignIns)(nil)

// recordQuery reads what the history knew before this sign-in (a statement's CTEs all
// see the same snapshot) and upserts the device.
const recordQuery = `WITH prev AS (
		SELECT coalesce(bool_or(user_agent = ?ua AND ip = ?ip AND last_seen_at >= ?since), false) AS known,
			count(*) = 0 AS first
		FROM sign_in_history WHERE user_id = ?user
	), up AS (
		INSERT INTO sign_in_history (user_id, user_agent, ip, first_seen_at, last_seen_at)
		VALUES (?user, ?ua, ?ip, ?now, ?now)
		ON CONFLICT (user_id, user_agent, ip)
		DO UPDATE SET last_seen_at = greatest(sign_in_history.last_seen_at, EXCLUDED.last_seen_at)
		RETURNING 1
	)
	SELECT known, first FROM prev, (SELECT count(*) FROM up) AS written`

// Record implements auth.SignIns.
func (s *SignIns) Record(ctx context.Context, userID uuid.UUID, d auth.Device, now, since time.Time) (known, first bool, err error) {
	args := struct {
		User   uuid.UUID
		UA, IP string
		Now    time.Time
		Since  time.Time
	}{userID, d.UserAgent, d.IP, now, since}
	db := postgres.Conn(ctx, s.db)
	// Sign-ins of one account are recorded one at a time, so that two at once from a new
	// device do not both find it new: the lock lasts until the caller's transaction ends,
	// and the next statement's snapshot sees what the previous holder committed.
	if _, err := db.NewRaw("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", "sign_in:"+userID.String()).Exec(ctx); err != nil {
		return false, false, fmt.Errorf("lock sign-ins of %s: %w", userID, err)
	}
	err = db.NewRaw(recordQuery, &args).Scan(ctx, &known, &first)
	if err != nil {
		return false, false, fmt.Errorf("record sign-in of %s: %w", userID, err)
	}
	return known, first, nil
}

// pruneQuery deletes one batch of devices last seen before the cut-off, oldest first,
// sparing each account's most recent device and rows another prune holds.
const pruneQuery = `WITH due AS (
		SELECT h.user_id, h.user_agent, h.ip FROM sign_in_history h
		WHERE h.last_seen_at < ? AND EXISTS (
			SELECT 1 FROM sign_in_history n WHERE n.user_id = h.user_id
			AND (n.last_seen_at, n.user_agent, n.ip) > (h.last_seen_at, h.user_agent, h.ip))
		ORDER BY h.last_seen_at LIMIT ?
		FOR UPDATE SKIP LOCKED
	)
	DELETE FROM sign_in_history h USING due
	WHERE h.user_id = due.user_id AND h.user_agent = due.user_agent AND h.ip = due.ip`

// Prune implements auth.SignIns.
func (s *SignIns) Prune(ctx context.Context, before time.Time, limit int) (int64, error) {
	res, err := postgres.Conn(ctx, s.db).NewRaw(pruneQuery, before, limit).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("prune sign-in history: %w", err)
	}
	return res.RowsAffected()
}
