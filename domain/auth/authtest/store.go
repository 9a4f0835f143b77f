package authtest

import (
	"bytes"
	"context"
	"maps"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/auth"
)

// OneTime is a stored one-time token and whether it was used.
type OneTime struct {
	auth.OneTimeToken
	Used   bool
	UsedAt time.Time
}

// Store is an in-memory auth.Store. It keeps records, so callers' changes reach it only
// through its methods, and it is a participant of memory.Tx: a rolled-back transaction
// puts it back. Tests may read and seed the exported maps and slices directly while no
// action runs.
type Store struct {
	Passwords map[uuid.UUID]string
	Sessions  map[uuid.UUID]auth.SessionRecord
	Refresh   []auth.RefreshToken
	OneTime   []OneTime
	// Purged holds the cut-off times the purges were called with.
	Purged []time.Time
	// SessionErr, when set, is returned by SessionForUpdate and RevokeSession.
	SessionErr error
	// Fail maps a method name to the error it returns instead of doing anything.
	Fail map[string]error

	mu sync.Mutex
}

var _ auth.Store = (*Store)(nil)

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{Passwords: map[uuid.UUID]string{}, Sessions: map[uuid.UUID]auth.SessionRecord{}}
}

// injected returns the error set for method, if any; the caller holds s.mu.
func (s *Store) injected(method string) error { return s.Fail[method] }

// Snapshot implements memory.Participant.
func (s *Store) Snapshot() (restore func()) {
	st := s.State()
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.Passwords, s.Sessions, s.Refresh, s.OneTime = st.passwords, st.sessions, st.refresh, st.oneTime
	}
}

// State is a copy of everything a Store holds.
type State struct {
	passwords map[uuid.UUID]string
	sessions  map[uuid.UUID]auth.SessionRecord
	refresh   []auth.RefreshToken
	oneTime   []OneTime
}

// State returns a copy of what the store holds now.
func (s *Store) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return State{maps.Clone(s.Passwords), maps.Clone(s.Sessions), slices.Clone(s.Refresh), slices.Clone(s.OneTime)}
}

// SameAs reports whether the store holds exactly st.
func (s *Store) SameAs(st State) bool { return reflect.DeepEqual(s.State(), st) }

// Session returns the stored record of session id (the zero record when there is none).
func (s *Store) Session(id uuid.UUID) auth.SessionRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Sessions[id]
}

// SetPassword implements auth.Store.
func (s *Store) SetPassword(_ context.Context, id uuid.UUID, hash string, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.injected("SetPassword"); err != nil {
		return err
	}
	s.Passwords[id] = hash
	return nil
}

// PasswordHash implements auth.Store.
func (s *Store) PasswordHash(_ context.Context, id uuid.UUID) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.injected("PasswordHash"); err != nil {
		return "", err
	}
	h, ok := s.Passwords[id]
	if !ok {
		return "", auth.ErrNoCredentials
	}
	return h, nil
}

// DeleteCredentials implements auth.Store.
func (s *Store) DeleteCredentials(_ context.Context, id uuid.UUID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.injected("DeleteCredentials"); err != nil {
		return err
	}
	delete(s.Passwords, id)
	s.OneTime = slices.DeleteFunc(s.OneTime, func(t OneTime) bool { return t.UserID == id })
	return nil
}

// CreateSession implements auth.Store.
func (s *Store) CreateSession(_ context.Context, sess *auth.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.injected("CreateSession"); err != nil {
		return err
	}
	s.Sessions[sess.ID()] = sess.Record()
	return nil
}

// SessionForUpdate implements auth.Store.
func (s *Store) SessionForUpdate(_ context.Context, id uuid.UUID) (*auth.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.SessionErr != nil {
		return nil, s.SessionErr
	}
	rec, ok := s.Sessions[id]
	if !ok {
		return nil, auth.ErrSessionNotFound
	}
	return auth.RestoreSession(rec)
}

func live(rec auth.SessionRecord, now time.Time) bool {
	return rec.RevokedAt.IsZero() && now.Before(rec.ExpiresAt)
}

// ActiveSessions implements auth.Store: the user's sessions neither revoked nor expired,
// newest first.
func (s *Store) ActiveSessions(_ context.Context, userID uuid.UUID, now time.Time) ([]*auth.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.injected("ActiveSessions"); err != nil {
		return nil, err
	}
	var recs []auth.SessionRecord
	for _, rec := range s.Sessions {
		if rec.UserID == userID && live(rec, now) {
			recs = append(recs, rec)
		}
	}
	slices.SortFunc(recs, func(a, b auth.SessionRecord) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return restore(recs)
}

func restore(recs []auth.SessionRecord) ([]*auth.Session, error) {
	out := make([]*auth.Session, 0, len(recs))
	for _, rec := range recs {
		sess, err := auth.RestoreSession(rec)
		if err != nil {
			return nil, err
		}
		out = append(out, sess)
	}
	return out, nil
}

// TouchSession implements auth.Store.
func (s *Store) TouchSession(_ context.Context, id uuid.UUID, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.injected("TouchSession"); err != nil {
		return err
	}
	rec := s.Sessions[id]
	rec.LastUsedAt = now
	s.Sessions[id] = rec
	return nil
}

// RevokeSessions implements auth.Store: it revokes the user's live sessions but except and
// returns them as revoked.
func (s *Store) RevokeSessions(_ context.Context, userID, except uuid.UUID, reason string, now time.Time) ([]*auth.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.injected("RevokeSessions"); err != nil {
		return nil, err
	}
	var recs []auth.SessionRecord
	for id, rec := range s.Sessions {
		if rec.UserID == userID && id != except && live(rec, now) {
			rec.RevokedAt, rec.RevokeReason = now, reason
			s.Sessions[id] = rec
			recs = append(recs, rec)
		}
	}
	return restore(recs)
}

// RevokeSession implements auth.Store.
func (s *Store) RevokeSession(_ context.Context, id uuid.UUID, reason string, now time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.injected("RevokeSession"); err != nil {
		return false, err
	}
	if s.SessionErr != nil {
		return false, s.SessionErr
	}
	rec, ok := s.Sessions[id]
	if !ok || !rec.RevokedAt.IsZero() {
		return false, nil
	}
	rec.RevokedAt, rec.RevokeReason = now, reason
	s.Sessions[id] = rec
	return true, nil
}

// DeleteSessions implements auth.Store.
func (s *Store) DeleteSessions(_ context.Context, userID uuid.UUID) ([]uuid.UUID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.injected("DeleteSessions"); err != nil {
		return nil, err
	}
	var ids []uuid.UUID
	for id, rec := range s.Sessions {
		if rec.UserID == userID {
			delete(s.Sessions, id)
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// CreateRefreshToken implements auth.Store.
func (s *Store) CreateRefreshToken(_ context.Context, t auth.RefreshToken) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.injected("CreateRefreshToken"); err != nil {
		return err
	}
	s.Refresh = append(s.Refresh, t)
	return nil
}

// RefreshTokenForUpdate implements auth.Store.
func (s *Store) RefreshTokenForUpdate(_ context.Context, hash []byte) (auth.RefreshToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.Refresh {
		if bytes.Equal(t.Hash, hash) {
			if _, ok := s.Sessions[t.SessionID]; ok { // tokens go with their session
				return t, nil
			}
		}
	}
	return auth.RefreshToken{}, auth.ErrInvalidRefreshToken
}

// SpendRefreshToken implements auth.Store.
func (s *Store) SpendRefreshToken(_ context.Context, id uuid.UUID, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.injected("SpendRefreshToken"); err != nil {
		return err
	}
	for i := range s.Refresh {
		if s.Refresh[i].ID == id {
			s.Refresh[i].SpentAt = now
		}
	}
	return nil
}

// CreateOneTimeToken implements auth.Store.
func (s *Store) CreateOneTimeToken(_ context.Context, t auth.OneTimeToken) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.injected("CreateOneTimeToken"); err != nil {
		return err
	}
	s.OneTime = append(s.OneTime, OneTime{OneTimeToken: t})
	return nil
}

// ConsumeOneTimeToken implements auth.Store.
func (s *Store) ConsumeOneTimeToken(_ context.Context, hash []byte, purpose string, now time.Time) (uuid.UUID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, t := range s.OneTime {
		if bytes.Equal(t.Hash, hash) && t.Purpose == purpose && !t.Used && now.Before(t.ExpiresAt) {
			s.OneTime[i].Used, s.OneTime[i].UsedAt = true, now
			return t.UserID, nil
		}
	}
	return uuid.Nil, auth.ErrInvalidOrExpiredToken
}

// PurgeSessions implements auth.Store: up to limit sessions that expired or were revoked
// before `before` go, with their refresh tokens.
func (s *Store) PurgeSessions(_ context.Context, before time.Time, limit int) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Purged = append(s.Purged, before)
	var n int64
	for id, r := range s.Sessions {
		if n == int64(limit) {
			break
		}
		if r.ExpiresAt.Before(before) || (!r.RevokedAt.IsZero() && r.RevokedAt.Before(before)) {
			delete(s.Sessions, id)
			s.Refresh = slices.DeleteFunc(s.Refresh, func(t auth.RefreshToken) bool { return t.SessionID == id })
			n++
		}
	}
	return n, nil
}

// PurgeOneTimeTokens implements auth.Store: up to limit tokens that expired or were used
// before `before` go.
func (s *Store) PurgeOneTimeTokens(_ context.Context, before time.Time, limit int) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Purged = append(s.Purged, before)
	var n int64
	s.OneTime = slices.DeleteFunc(s.OneTime, func(t OneTime) bool {
		gone := n < int64(limit) && (t.ExpiresAt.Before(before) || (t.Used && t.UsedAt.Before(before)))
		if gone {
			n++
		}
		return gone
	})
	return n, nil
}
