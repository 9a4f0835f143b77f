package user_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/invopop/validation"

	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/ports/portstest"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeRepo keeps users as records, so a caller's changes reach it only through Update.
type fakeRepo struct {
	mu      sync.Mutex
	users   map[uuid.UUID]user.Record
	updates int
	listErr error
	listed  []user.Filter
}

func newFakeRepo() *fakeRepo { return &fakeRepo{users: map[uuid.UUID]user.Record{}} }

func (r *fakeRepo) Snapshot() func() {
	r.mu.Lock()
	defer r.mu.Unlock()
	saved, updates := make(map[uuid.UUID]user.Record, len(r.users)), r.updates
	for k, v := range r.users {
		saved[k] = v
	}
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.users, r.updates = saved, updates
	}
}

func (r *fakeRepo) emailTaken(id uuid.UUID, email string) bool {
	for _, rec := range r.users {
		if rec.ID != id && rec.Email == email {
			return true
		}
	}
	return false
}

func (r *fakeRepo) Create(_ context.Context, u *user.User) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.emailTaken(u.ID(), u.Email().String()) {
		return user.ErrEmailTaken
	}
	r.users[u.ID()] = u.Record()
	return nil
}

func (r *fakeRepo) Get(_ context.Context, id uuid.UUID) (*user.User, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec, ok := r.users[id]
	if !ok {
		return nil, user.ErrNotFound
	}
	return user.Restore(rec)
}

func (r *fakeRepo) GetForUpdate(ctx context.Context, id uuid.UUID) (*user.User, error) {
	return r.Get(ctx, id)
}

func (r *fakeRepo) ByEmail(ctx context.Context, email kernel.Email) (*user.User, error) {
	r.mu.Lock()
	var id uuid.UUID
	for _, rec := range r.users {
		if rec.Email == email.String() {
			id = rec.ID
		}
	}
	r.mu.Unlock()
	return r.Get(ctx, id)
}

func (r *fakeRepo) Update(_ context.Context, u *user.User) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.users[u.ID()]; !ok {
		return user.ErrNotFound
	}
	if r.emailTaken(u.ID(), u.Email().String()) {
		return user.ErrEmailTaken
	}
	r.users[u.ID()] = u.Record()
	r.updates++
	return nil
}

// List ignores the filter (it is recorded) and returns up to page.Limit+1 users, newest
// (greatest id) first, after page.After.
func (r *fakeRepo) List(_ context.Context, f user.Filter, page kernel.Page) ([]*user.User, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.listed = append(r.listed, f)
	if r.listErr != nil {
		return nil, r.listErr
	}
	ids := make([]uuid.UUID, 0, len(r.users))
	for id := range r.users {
		if page.After == uuid.Nil || id.String() < page.After.String() {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return -compareIDs(a, b) })
	var out []*user.User
	for _, id := range ids[:min(len(ids), page.Limit+1)] {
		u, err := user.Restore(r.users[id])
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

func compareIDs(a, b uuid.UUID) int {
	switch {
	case a.String() < b.String():
		return -1
	case a.String() > b.String():
		return 1
	}
	return 0
}

func (r *fakeRepo) LockActiveAdmins(context.Context) ([]uuid.UUID, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []uuid.UUID
	for id, rec := range r.users {
		if rec.Role == string(kernel.RoleAdmin) && rec.Status == string(user.StatusActive) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func (r *fakeRepo) record(t *testing.T, id uuid.UUID) user.Record {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	rec, ok := r.users[id]
	if !ok {
		t.Fatalf("user %s not stored", id)
	}
	return rec
}

// accessCall is one call of fakeAccess.
type accessCall struct {
	Method string
	UserID uuid.UUID
	Reason string
}

// fakeAccess records what the user context asks of auth.
type fakeAccess struct {
	calls []accessCall
	err   error
}

func (a *fakeAccess) Snapshot() func() {
	n := len(a.calls)
	return func() { a.calls = a.calls[:n] }
}

func (a *fakeAccess) RevokeSessions(_ context.Context, id uuid.UUID, reason string) error {
	a.calls = append(a.calls, accessCall{"RevokeSessions", id, reason})
	return a.err
}

func (a *fakeAccess) EraseCredentials(_ context.Context, id uuid.UUID) error {
	a.calls = append(a.calls, accessCall{"EraseCredentials", id, ""})
	return a.err
}

func (a *fakeAccess) SessionsChanged(_ context.Context, id uuid.UUID) error {
	a.calls = append(a.calls, accessCall{"SessionsChanged", id, ""})
	return a.err
}

// env is a user.Service wired to fakes.
type env struct {
	svc    *user.Service
	repo   *fakeRepo
	access *fakeAccess
	tx     *portstest.Tx
	audit  *portstest.AuditTrail
	events *portstest.Events
	clock  *portstest.Clock
}

func newEnv() *env {
	e := &env{
		repo: newFakeRepo(), access: &fakeAccess{}, audit: &portstest.AuditTrail{}, events: &portstest.Events{},
		clock: portstest.NewClock(t0),
	}
	e.tx = portstest.NewTx(e.repo, e.access, e.audit, e.events)
	e.svc = &user.Service{Repo: e.repo, Access: e.access, Tx: e.tx, Audit: e.audit, Events: e.events, Clock: e.clock}
	return e
}

// seed stores an active user created at t0 and returns it.
func (e *env) seed(t *testing.T, email string, role kernel.Role) *user.User {
	t.Helper()
	addr, err := kernel.ParseEmail(email)
	if err != nil {
		t.Fatal(err)
	}
	u := user.New(addr, "Test User", kernel.LocaleEN, role, t0)
	if err := e.repo.Create(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// seedDisabled stores a disabled user.
func (e *env) seedDisabled(t *testing.T, email string, role kernel.Role) *user.User {
	t.Helper()
	u := e.seed(t, email, role)
	rec := u.Record()
	rec.Status = string(user.StatusDisabled)
	e.repo.users[u.ID()] = rec
	return u
}

func ptr[T any](v T) *T { return &v }

// fieldCodes returns the field -> code map of the validation.Errors in err's chain.
func fieldCodes(t *testing.T, err error) map[string]string {
	t.Helper()
	var errs validation.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error %v (%T) holds no validation.Errors", err, err)
	}
	out := map[string]string{}
	for field, e := range errs {
		var ve validation.Error
		if errors.As(e, &ve) {
			out[field] = ve.Code()
		} else {
			out[field] = e.Error()
		}
	}
	return out
}

// codeOf returns the code of a validation.Error, or "" for nil.
func codeOf(err error) string {
	var ve validation.Error
	if errors.As(err, &ve) {
		return ve.Code()
	}
	if err != nil {
		return err.Error()
	}
	return ""
}
