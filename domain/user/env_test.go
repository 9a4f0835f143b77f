package user_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/memory"
	memaudit "github.com/keelhq/keel/adapters/memory/audit"
	memuser "github.com/keelhq/keel/adapters/memory/user"
	"github.com/keelhq/keel/domain/audit/audittest"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/ports"
	"github.com/keelhq/keel/ports/portstest"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// repo is the in-memory user repository, counting the updates and remembering the filters
// it was asked to list. With listErr set, List fails with it; with refuse set, every call
// fails the test (a use case that must not touch storage).
type repo struct {
	*memuser.Repository
	t       *testing.T
	refuse  bool
	mu      sync.Mutex
	updates int
	listErr error
	listed  []user.Filter
}

func (r *repo) touched(method string) {
	if r.refuse {
		r.t.Errorf("the repository's %s was called", method)
	}
}

func (r *repo) Create(ctx context.Context, u *user.User) error {
	r.touched("Create")
	return r.Repository.Create(ctx, u)
}

func (r *repo) Get(ctx context.Context, id uuid.UUID) (*user.User, error) {
	r.touched("Get")
	return r.Repository.Get(ctx, id)
}

func (r *repo) GetForUpdate(ctx context.Context, id uuid.UUID) (*user.User, error) {
	r.touched("GetForUpdate")
	return r.Repository.GetForUpdate(ctx, id)
}

func (r *repo) ByEmail(ctx context.Context, email kernel.Email) (*user.User, error) {
	r.touched("ByEmail")
	return r.Repository.ByEmail(ctx, email)
}

func (r *repo) Update(ctx context.Context, u *user.User) error {
	r.touched("Update")
	if err := r.Repository.Update(ctx, u); err != nil {
		return err
	}
	r.mu.Lock()
	r.updates++
	r.mu.Unlock()
	return nil
}

func (r *repo) List(ctx context.Context, f user.Filter, page kernel.Page) ([]*user.User, error) {
	r.touched("List")
	r.mu.Lock()
	r.listed = append(r.listed, f)
	err := r.listErr
	r.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return r.Repository.List(ctx, f, page)
}

func (r *repo) LockActiveAdmins(ctx context.Context) ([]uuid.UUID, error) {
	r.touched("LockActiveAdmins")
	return r.Repository.LockActiveAdmins(ctx)
}

// Snapshot makes the update count part of the transaction: a rollback takes it back.
func (r *repo) Snapshot() func() {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.updates
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.updates = n
	}
}

func (r *repo) record(t *testing.T, id uuid.UUID) user.Record {
	t.Helper()
	u, err := r.Repository.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("user %s not stored: %v", id, err)
	}
	return u.Record()
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

// outbox is the in-memory outbox; with Err set, Publish fails with it instead.
type outbox struct {
	*memory.Outbox
	Err error
}

func (o *outbox) Publish(ctx context.Context, ev ports.Event) error {
	if o.Err != nil {
		return o.Err
	}
	return o.Outbox.Publish(ctx, ev)
}

// Items returns the published user events, oldest first.
func (o *outbox) Items() []user.Event {
	var out []user.Event
	for _, ev := range o.Events() {
		out = append(out, ev.(user.Event))
	}
	return out
}

// env is a user.Service wired to the in-memory adapters (and a fake of auth's Access).
type env struct {
	svc     *user.Service
	repo    *repo
	access  *fakeAccess
	notices *fakeNotices
	tx      *memory.Tx
	audit   *audittest.Trail
	events  *outbox
	clock   *portstest.Clock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{access: &fakeAccess{}, notices: &fakeNotices{}, clock: portstest.NewClock(t0), tx: memory.NewTx()}
	e.repo = &repo{Repository: memuser.NewRepository(e.tx), t: t}
	e.events = &outbox{Outbox: memory.NewOutbox(e.tx)}
	e.audit = audittest.NewTrail(t, memaudit.NewRepository(e.tx), e.clock)
	e.tx.Register(e.repo, e.access, e.notices)
	var err error
	e.svc, err = user.NewService(e.repo, e.access, e.notices, e.tx, e.audit, e.events, e.clock)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// actor is a signed-in account acting through the service.
func actorOf(u *user.User) ports.Actor {
	return ports.Actor{UserID: u.ID(), SessionID: kernel.NewID(), Role: u.Role()}
}

// anAdmin is an administrator that need not be stored.
func anAdmin() ports.Actor {
	return ports.Actor{UserID: kernel.NewID(), SessionID: kernel.NewID(), Role: kernel.RoleAdmin}
}

// seed stores an active user created at t0 and returns it.
func (e *env) seed(t *testing.T, email string, role kernel.Role) *user.User {
	t.Helper()
	addr, err := kernel.ParseEmail(email)
	if err != nil {
		t.Fatal(err)
	}
	u := user.New(addr, "Test User", kernel.LocaleEN, role, t0)
	if err := e.repo.Repository.Create(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// seedDisabled stores a disabled user.
func (e *env) seedDisabled(t *testing.T, email string, role kernel.Role) *user.User {
	t.Helper()
	addr, err := kernel.ParseEmail(email)
	if err != nil {
		t.Fatal(err)
	}
	rec := user.New(addr, "Test User", kernel.LocaleEN, role, t0).Record()
	rec.Status = string(user.StatusDisabled)
	u, err := user.Restore(rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.repo.Repository.Create(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func ptr[T any](v T) *T { return &v }

// fakeNotices records the accounts told about a role change, and takes part in the
// memory.Tx's rollbacks.
type fakeNotices struct {
	mu    sync.Mutex
	roles []user.Record
}

func (f *fakeNotices) RoleChanged(_ context.Context, u *user.User) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.roles = append(f.roles, u.Record())
	return nil
}

func (f *fakeNotices) Snapshot() (restore func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.roles)
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.roles = f.roles[:min(n, len(f.roles))]
	}
}

// told returns the records of the accounts told about a role change, oldest first.
func (f *fakeNotices) told() []user.Record {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.roles)
}
