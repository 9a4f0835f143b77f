package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/keelhq/keel/adapters/postgres"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
)

// SessionStatus implements auth.SessionStatus with one query over sessions and users,
// timed by the database's clock. It caches nothing: a caching decorator goes around it.
type SessionStatus struct {
	db   *bun.DB
	idle time.Duration
}

// NewSessionStatus returns a SessionStatus over db for sessions that end after idle
// without a refresh (auth.Lifetimes.Idle).
func NewSessionStatus(db *bun.DB, idle time.Duration) *SessionStatus {
	return &SessionStatus{db: db, idle: idle}
}

var _ auth.SessionStatus = (*SessionStatus)(nil)

// sessionStateSQL tells whether session ?0 is active (not revoked, neither past its
// absolute expiry nor idle for ?1 microseconds, its account active) and its account's role
// id, role and locale.
const sessionStateSQL = `
SELECT s.revoked_at IS NULL
       AND s.expires_at > now()
       AND s.last_used_at + ?1 * interval '1 microsecond' > now()
       AND u.status = 'active' AS active,
       u.id AS user_id,
       u.role,
       u.locale
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.id = ?0`

// SessionState implements auth.SessionStatus; an unknown session is inactive, without error.
func (s *SessionStatus) SessionState(ctx context.Context, id uuid.UUID) (auth.SessionState, error) {
	var st struct {
		Active bool      `bun:"active"`
		UserID uuid.UUID `bun:"user_id,type:uuid"`
		Role   string    `bun:"role"`
		Locale string    `bun:"locale"`
	}
	err := postgres.Conn(ctx, s.db).NewRaw(sessionStateSQL, id, s.idle.Microseconds()).Scan(ctx, &st)
	if postgres.NoRows(err) {
		return auth.SessionState{}, nil
	}
	if err != nil {
		return auth.SessionState{}, fmt.Errorf("state of session %s: %w", id, err)
	}
	return auth.SessionState{Active: st.Active, UserID: st.UserID, Role: kernel.Role(st.Role), Locale: kernel.Locale(st.Locale)}, nil
}
