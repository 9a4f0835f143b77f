package identity_test

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/application/identity"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/ports/portstest"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeUsers is an in-memory user.Repository keeping records.
type fakeUsers struct{ recs map[uuid.UUID]user.Record }

func (r *fakeUsers) Snapshot() func() {
	saved := maps.Clone(r.recs)
	return func() { r.recs = saved }
}

func (r *fakeUsers) Create(_ context.Context, u *user.User) error {
	for _, rec := range r.recs {
		if rec.Email == u.Email().String() {
			return user.ErrEmailTaken
		}
	}
	r.recs[u.ID()] = u.Record()
	return nil
}

func (r *fakeUsers) Get(_ context.Context, id uuid.UUID) (*user.User, error) {
	rec, ok := r.recs[id]
	if !ok {
		return nil, user.ErrNotFound
	}
	return user.Restore(rec)
}

func (r *fakeUsers) GetForUpdate(ctx context.Context, id uuid.UUID) (*user.User, error) {
	return r.Get(ctx, id)
}

func (r *fakeUsers) ByEmail(ctx context.Context, email kernel.Email) (*user.User, error) {
	for id, rec := range r.recs {
		if rec.Email == email.String() {
			return r.Get(ctx, id)
		}
	}
	return nil, user.ErrNotFound
}

func (r *fakeUsers) Update(_ context.Context, u *user.User) error {
	r.recs[u.ID()] = u.Record()
	return nil
}

func (r *fakeUsers) List(context.Context, user.Filter, kernel.Page) ([]*user.User, error) {
	return nil, nil
}

func (r *fakeUsers) LockActiveAdmins(context.Context) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	for id, rec := range r.recs {
		if rec.Role == "admin" && rec.Status == "active" {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// fakeStore is an in-memory auth.Store, enough for registration and revocation.
type fakeStore struct {
	passwords map[uuid.UUID]string
	sessions  map[uuid.UUID]auth.Session
	refresh   []auth.RefreshToken
}

func (s *fakeStore) Snapshot() func() {
	pw, sess, rt := maps.Clone(s.passwords), maps.Clone(s.sessions), slices.Clone(s.refresh)
	return func() { s.passwords, s.sessions, s.refresh = pw, sess, rt }
}

func (s *fakeStore) SetPassword(_ context.Context, id uuid.UUID, hash string, _ time.Time) error {
	s.passwords[id] = hash
	return nil
}

func (s *fakeStore) PasswordHash(_ context.Context, id uuid.UUID) (string, error) {
	if h, ok := s.passwords[id]; ok {
		return h, nil
	}
	return "", auth.ErrNoCredentials
}

func (s *fakeStore) DeleteCredentials(_ context.Context, id uuid.UUID) error {
	delete(s.passwords, id)
	return nil
}

func (s *fakeStore) CreateSession(_ context.Context, sess *auth.Session) error {
	s.sessions[sess.ID] = *sess
	return nil
}

func (s *fakeStore) SessionForUpdate(_ context.Context, id uuid.UUID) (*auth.Session, error) {
	if sess, ok := s.sessions[id]; ok {
		return &sess, nil
	}
	return nil, auth.ErrSessionNotFound
}

func (s *fakeStore) ActiveSessions(_ context.Context, userID uuid.UUID, now time.Time) ([]*auth.Session, error) {
	var out []*auth.Session
	for _, sess := range s.sessions {
		if sess.UserID == userID && sess.RevokedAt.IsZero() && now.Before(sess.ExpiresAt) {
			out = append(out, &sess)
		}
	}
	return out, nil
}

func (s *fakeStore) TouchSession(context.Context, uuid.UUID, time.Time) error { return nil }

func (s *fakeStore) RevokeSessions(_ context.Context, userID, except uuid.UUID, reason string, now time.Time) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	for id, sess := range s.sessions {
		if sess.UserID == userID && id != except && sess.RevokedAt.IsZero() {
			sess.RevokedAt, sess.RevokeReason = now, reason
			s.sessions[id] = sess
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func (s *fakeStore) RevokeSession(ctx context.Context, id uuid.UUID, reason string, now time.Time) (bool, error) {
	sess, ok := s.sessions[id]
	if !ok || !sess.RevokedAt.IsZero() {
		return false, nil
	}
	sess.RevokedAt, sess.RevokeReason = now, reason
	s.sessions[id] = sess
	return true, nil
}

func (s *fakeStore) DeleteSessions(_ context.Context, userID uuid.UUID) ([]uuid.UUID, error) {
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
	s.refresh = append(s.refresh, t)
	return nil
}

func (s *fakeStore) RefreshTokenForUpdate(_ context.Context, hash []byte) (auth.RefreshToken, error) {
	for _, t := range s.refresh {
		if bytes.Equal(t.Hash, hash) {
			return t, nil
		}
	}
	return auth.RefreshToken{}, auth.ErrInvalidRefreshToken
}

func (s *fakeStore) SpendRefreshToken(context.Context, uuid.UUID, time.Time) error { return nil }
func (s *fakeStore) CreateOneTimeToken(context.Context, auth.OneTimeToken) error   { return nil }
func (s *fakeStore) Prune(context.Context, time.Time) (int64, error)               { return 0, nil }
func (s *fakeStore) ConsumeOneTimeToken(context.Context, []byte, string, time.Time) (uuid.UUID, error) {
	return uuid.Nil, auth.ErrInvalidOrExpiredToken
}

type fakeHasher struct{}

func (fakeHasher) Hash(_ context.Context, pw string) (string, error) { return "hash:" + pw, nil }
func (fakeHasher) Verify(_ context.Context, pw, enc string) (bool, bool, error) {
	return enc == "hash:"+pw, false, nil
}

type fakeTokens struct{}

func (fakeTokens) Issue(c auth.Claims) (string, error) { return "access:" + c.SessionID.String(), nil }
func (fakeTokens) Verify(string) (auth.Claims, error)  { return auth.Claims{}, auth.ErrInvalidToken }

type fakeSessionEvents struct{ ids []uuid.UUID }

func (f *fakeSessionEvents) Invalidate(_ context.Context, ids ...uuid.UUID) {
	f.ids = append(f.ids, ids...)
}

// env wires both contexts and the identity glue to one set of fakes.
type env struct {
	reg      *identity.Registration
	accounts *identity.Accounts
	users    *user.Service
	auth     *auth.Service
	repo     *fakeUsers
	store    *fakeStore
	tx       *portstest.Tx
	audit    *portstest.AuditTrail
	events   *portstest.Events
	jobs     *portstest.JobQueue
	sessions *fakeSessionEvents
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{
		repo:  &fakeUsers{recs: map[uuid.UUID]user.Record{}},
		store: &fakeStore{passwords: map[uuid.UUID]string{}, sessions: map[uuid.UUID]auth.Session{}},
		audit: &portstest.AuditTrail{}, events: &portstest.Events{}, jobs: &portstest.JobQueue{}, sessions: &fakeSessionEvents{},
	}
	e.tx = portstest.NewTx(e.repo, e.store, e.audit, e.events, e.jobs)
	clock := portstest.NewClock(t0)
	e.users = &user.Service{Repo: e.repo, Tx: e.tx, Audit: e.audit, Events: e.events, Clock: clock}
	e.accounts = &identity.Accounts{Users: e.users, Repo: e.repo}
	e.auth = &auth.Service{
		Accounts: e.accounts, Store: e.store, Hasher: fakeHasher{}, Tokens: fakeTokens{}, Events: e.sessions,
		Tx: e.tx, Audit: e.audit, Jobs: e.jobs, Clock: clock,
		Lifetimes: auth.Lifetimes{Idle: time.Hour, Absolute: 24 * time.Hour, Access: time.Minute},
	}
	e.users.Access = &identity.Access{Auth: e.auth}
	e.reg = &identity.Registration{Users: e.users, Auth: e.auth, Tx: e.tx}
	return e
}

// transactions counts the outermost transactions, committed or rolled back.
func (e *env) transactions() int { return e.tx.Commits() + e.tx.Rollbacks() }
