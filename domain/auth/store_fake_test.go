package auth_test

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

// storedOTT is a one-time token and whether it was used.
type storedOTT struct {
	auth.OneTimeToken
	Used bool
}

// fakeStore is an in-memory auth.Store. It stores copies, so callers' changes reach it only
// through its methods, and it takes part in the fake transaction's rollbacks.
type fakeStore struct {
	mu         sync.Mutex
	passwords  map[uuid.UUID]string
	sessions   map[uuid.UUID]auth.Session
	refresh    []auth.RefreshToken
	oneTime    []storedOTT
	pruned     []time.Time
	sessionErr error            // returned by SessionForUpdate and RevokeSession when set
	fail       map[string]error // method name -> error it returns
}

// injected returns the error set for method, if any; the caller holds s.mu.
func (s *fakeStore) injected(method string) error { return s.fail[method] }

func newFakeStore() *fakeStore {
	return &fakeStore{passwords: map[uuid.UUID]string{}, sessions: map[uuid.UUID]auth.Session{}}
}

func (s *fakeStore) Snapshot() func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	pw, sess := maps.Clone(s.passwords), maps.Clone(s.sessions)
	rt, ott := slices.Clone(s.refresh), slices.Clone(s.oneTime)
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.passwords, s.sessions, s.refresh, s.oneTime = pw, sess, rt, ott
	}
}

// storeState is a copy of everything a fakeStore holds.
type storeState struct {
	passwords map[uuid.UUID]string
	sessions  map[uuid.UUID]auth.Session
	refresh   []auth.RefreshToken
	oneTime   []storedOTT
}

func (s *fakeStore) snapshotCopy() storeState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return storeState{maps.Clone(s.passwords), maps.Clone(s.sessions), slices.Clone(s.refresh), slices.Clone(s.oneTime)}
}

func (s *fakeStore) sameAs(st storeState) bool {
	return reflect.DeepEqual(s.snapshotCopy(), st)
}

func (s *fakeStore) SetPassword(_ context.Context, id uuid.UUID, hash string, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.injected("SetPassword"); err != nil {
		return err
	}
	s.passwords[id] = hash
	return nil
}

func (s *fakeStore) PasswordHash(_ context.Context, id uuid.UUID) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.injected("PasswordHash"); err != nil {
		return "", err
	}
	h, ok := s.passwords[id]
	if !ok {
		return "", auth.ErrNoCredentials
	}
	return h, nil
}

func (s *fakeStore) DeleteCredentials(_ context.Context, id uuid.UUID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.injected("DeleteCredentials"); err != nil {
		return err
	}
	delete(s.passwords, id)
	return nil
}

func (s *fakeStore) CreateSession(_ context.Context, sess *auth.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.injected("CreateSession"); err != nil {
		return err
	}
	s.sessions[sess.ID] = *sess
	return nil
}

func (s *fakeStore) SessionForUpdate(_ context.Context, id uuid.UUID) (*auth.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessionErr != nil {
		return nil, s.sessionErr
	}
	sess, ok := s.sessions[id]
	if !ok {
		return nil, auth.ErrSessionNotFound
	}
	return &sess, nil
}

func (s *fakeStore) session(id uuid.UUID) auth.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[id]
}

func live(sess auth.Session, now time.Time) bool {
	return sess.RevokedAt.IsZero() && now.Before(sess.ExpiresAt)
}

func (s *fakeStore) ActiveSessions(_ context.Context, userID uuid.UUID, now time.Time) ([]*auth.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.injected("ActiveSessions"); err != nil {
		return nil, err
	}
	var out []*auth.Session
	for _, sess := range s.sessions {
		if sess.UserID == userID && live(sess, now) {
			out = append(out, &sess)
		}
	}
	slices.SortFunc(out, func(a, b *auth.Session) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, nil
}

func (s *fakeStore) TouchSession(_ context.Context, id uuid.UUID, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.injected("TouchSession"); err != nil {
		return err
	}
	sess := s.sessions[id]
	sess.LastUsedAt = now
	s.sessions[id] = sess
	return nil
}

func (s *fakeStore) RevokeSessions(_ context.Context, userID, except uuid.UUID, reason string, now time.Time) ([]uuid.UUID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.injected("RevokeSessions"); err != nil {
		return nil, err
	}
	var ids []uuid.UUID
	for id, sess := range s.sessions {
		if sess.UserID == userID && id != except && live(sess, now) {
			sess.RevokedAt, sess.RevokeReason = now, reason
			s.sessions[id] = sess
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func (s *fakeStore) RevokeSession(_ context.Context, id uuid.UUID, reason string, now time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.injected("RevokeSession"); err != nil {
		return false, err
	}
	if s.sessionErr != nil {
		return false, s.sessionErr
	}
	sess, ok := s.sessions[id]
	if !ok || !sess.RevokedAt.IsZero() {
		return false, nil
	}
	sess.RevokedAt, sess.RevokeReason = now, reason
	s.sessions[id] = sess
	return true, nil
}

func (s *fakeStore) DeleteSessions(_ context.Context, userID uuid.UUID) ([]uuid.UUID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.injected("DeleteSessions"); err != nil {
		return nil, err
	}
	var ids []uuid.UUID
	for id, sess := range s.sessions {
		if sess.UserID == userID {
			delete(s.sessions, id)
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func (s *fakeStore) CreateRefreshToken(_ context.Context, t auth.RefreshToken) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.injected("CreateRefreshToken"); err != nil {
		return err
	}
	s.refresh = append(s.refresh, t)
	return nil
}

func (s *fakeStore) RefreshTokenForUpdate(_ context.Context, hash []byte) (auth.RefreshToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.refresh {
		if bytes.Equal(t.Hash, hash) {
			if _, ok := s.sessions[t.SessionID]; ok { // tokens go with their session
				return t, nil
			}
		}
	}
	return auth.RefreshToken{}, auth.ErrInvalidRefreshToken
}

func (s *fakeStore) SpendRefreshToken(_ context.Context, id uuid.UUID, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.injected("SpendRefreshToken"); err != nil {
		return err
	}
	for i := range s.refresh {
		if s.refresh[i].ID == id {
			s.refresh[i].SpentAt = now
		}
	}
	return nil
}

func (s *fakeStore) CreateOneTimeToken(_ context.Context, t auth.OneTimeToken) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.injected("CreateOneTimeToken"); err != nil {
		return err
	}
	s.oneTime = append(s.oneTime, storedOTT{OneTimeToken: t})
	return nil
}

func (s *fakeStore) ConsumeOneTimeToken(_ context.Context, hash []byte, purpose string, now time.Time) (uuid.UUID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, t := range s.oneTime {
		if bytes.Equal(t.Hash, hash) && t.Purpose == purpose && !t.Used && now.Before(t.ExpiresAt) {
			s.oneTime[i].Used = true
			return t.UserID, nil
		}
	}
	return uuid.Nil, auth.ErrInvalidOrExpiredToken
}

func (s *fakeStore) Prune(_ context.Context, before time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pruned = append(s.pruned, before)
	return 7, nil
}
