package auth

import (
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/kernel"
)

// Session is one sign-in: the family of every refresh token rotated from it. It is always
// valid: opened by newSession or rebuilt by RestoreSession, changed by its methods.
type Session struct {
	id           uuid.UUID
	userID       uuid.UUID
	userAgent    string
	ip           string
	createdAt    time.Time
	lastUsedAt   time.Time
	expiresAt    time.Time
	revokedAt    time.Time
	revokeReason string
}

// Bounds of the client description a session keeps.
const (
	maxUserAgent = 512
	maxIP        = 64
)

// newSession opens a session for the account on the client.
func newSession(userID uuid.UUID, c Client, now time.Time, lt Lifetimes) *Session {
	now = kernel.Timestamp(now)
	return &Session{
		id: kernel.NewID(), userID: userID, userAgent: clean(c.UserAgent, maxUserAgent), ip: clean(c.IP, maxIP),
		createdAt: now, lastUsedAt: now, expiresAt: now.Add(lt.Absolute),
	}
}

// SessionRecord is a session's state in primitive form, for storage and events.
type SessionRecord struct {
	ID           uuid.UUID
	UserID       uuid.UUID
	UserAgent    string
	IP           string
	CreatedAt    time.Time
	LastUsedAt   time.Time
	ExpiresAt    time.Time
	RevokedAt    time.Time
	RevokeReason string
}

// errCorruptSession is returned by RestoreSession for a record that breaks an invariant.
var errCorruptSession = errors.New("corrupt session record")

// RestoreSession rebuilds a session from storage, refusing a record that breaks an
// invariant.
func RestoreSession(r SessionRecord) (*Session, error) {
	if r.ID == uuid.Nil || r.UserID == uuid.Nil || r.CreatedAt.IsZero() || r.ExpiresAt.Before(r.CreatedAt) {
		return nil, errCorruptSession
	}
	return &Session{
		id: r.ID, userID: r.UserID, userAgent: r.UserAgent, ip: r.IP, createdAt: r.CreatedAt,
		lastUsedAt: r.LastUsedAt, expiresAt: r.ExpiresAt, revokedAt: r.RevokedAt, revokeReason: r.RevokeReason,
	}, nil
}

// Record returns the session's state.
func (s *Session) Record() SessionRecord {
	return SessionRecord{
		ID: s.id, UserID: s.userID, UserAgent: s.userAgent, IP: s.ip, CreatedAt: s.createdAt,
		LastUsedAt: s.lastUsedAt, ExpiresAt: s.expiresAt, RevokedAt: s.revokedAt, RevokeReason: s.revokeReason,
	}
}

// ID returns the session's id (the `sid` of its access tokens).
func (s *Session) ID() uuid.UUID { return s.id }

// UserID returns the account the session belongs to.
func (s *Session) UserID() uuid.UUID { return s.userID }

// Active reports whether the session may still be used at now.
func (s *Session) Active(now time.Time, idle time.Duration) bool {
	return s.revokedAt.IsZero() && now.Before(s.expiresAt) && now.Before(s.lastUsedAt.Add(idle))
}

// Revoke ends the session for reason; a revoked session stays revoked as it was.
func (s *Session) Revoke(reason string, now time.Time) {
	if s.revokedAt.IsZero() {
		s.revokedAt, s.revokeReason = kernel.Timestamp(now), reason
	}
}
