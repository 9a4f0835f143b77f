package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/memory"
	memaudit "github.com/keelhq/keel/adapters/memory/audit"
	"github.com/keelhq/keel/domain/audit/audittest"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/auth/authtest"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/ports"
	"github.com/keelhq/keel/ports/portstest"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeAccounts is an in-memory auth.Accounts.
type fakeAccounts struct {
	byID map[uuid.UUID]auth.Account
	err  error // returned by every lookup when set
}

func (a *fakeAccounts) ByEmail(_ context.Context, email kernel.Email) (auth.Account, error) {
	if a.err != nil {
		return auth.Account{}, a.err
	}
	for _, acc := range a.byID {
		if acc.Email == email {
			return acc, nil
		}
	}
	return auth.Account{}, auth.ErrAccountNotFound
}

func (a *fakeAccounts) ByID(_ context.Context, id uuid.UUID) (auth.Account, error) {
	if a.err != nil {
		return auth.Account{}, a.err
	}
	acc, ok := a.byID[id]
	if !ok {
		return auth.Account{}, auth.ErrAccountNotFound
	}
	return acc, nil
}

// env is an auth.Service wired to the in-memory transaction, outbox and audit trail, the
// shared fakes of authtest, and this package's fake of auth.Accounts (application/identity
// implements it over the user repository).
type env struct {
	svc       *auth.Service
	accounts  *fakeAccounts
	store     *authtest.Store
	hasher    *authtest.Hasher
	tokens    *authtest.Tokens
	status    *authtest.Status
	broadcast *authtest.Broadcast
	events    *memory.Outbox
	mail      *authtest.Mail
	tx        *memory.Tx
	audit     *audittest.Trail
	jobs      *portstest.JobQueue
	clock     *portstest.Clock
	signIns   *authtest.SignIns
	notices   *authtest.Notices
}

var lifetimes = auth.Lifetimes{
	Idle: 24 * time.Hour, Absolute: 72 * time.Hour, Access: 15 * time.Minute,
	Reset: 30 * time.Minute, Verify: 48 * time.Hour,
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{
		accounts: &fakeAccounts{byID: map[uuid.UUID]auth.Account{}}, store: authtest.NewStore(), hasher: &authtest.Hasher{},
		tokens: &authtest.Tokens{}, status: authtest.NewStatus(),
		broadcast: &authtest.Broadcast{}, mail: &authtest.Mail{}, jobs: &portstest.JobQueue{},
		clock: portstest.NewClock(t0), tx: memory.NewTx(), signIns: authtest.NewSignIns(), notices: &authtest.Notices{},
	}
	e.events = memory.NewOutbox(e.tx)
	e.audit = audittest.NewTrail(t, memaudit.NewRepository(e.tx), e.clock)
	e.tx.Register(e.store, e.jobs, e.signIns, e.notices)
	svc, err := auth.NewService(auth.Deps{
		Accounts: e.accounts, Store: e.store, Hasher: e.hasher, Tokens: e.tokens, Status: e.status,
		Broadcast: e.broadcast, Mail: e.mail, Tx: e.tx, Audit: e.audit, Events: e.events, Jobs: e.jobs, Clock: e.clock,
		SignIns: e.signIns, Notices: e.notices, Lifetimes: lifetimes, LinkBase: "https://app.example.com",
	})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	return e
}

// revokedEvents returns the session records of the session.revoked events published, oldest
// first, and fails the test on any other event.
func (e *env) revokedEvents(t *testing.T) []auth.SessionRecord {
	t.Helper()
	var out []auth.SessionRecord
	for _, ev := range e.events.Events() {
		a, ok := ev.(auth.Event)
		if !ok || a.Name != auth.EventSessionRevoked || a.EventTopic() != kernel.UserTopic(a.Session.UserID) {
			t.Fatalf("unexpected event %#v", ev)
		}
		out = append(out, a.Session)
	}
	return out
}

// account adds an active account with password pw ("" for none).
func (e *env) account(t *testing.T, email, pw string) auth.Account {
	t.Helper()
	addr, err := kernel.ParseEmail(email)
	if err != nil {
		t.Fatal(err)
	}
	acc := auth.Account{ID: kernel.NewID(), Email: addr, Role: kernel.RoleUser, Locale: kernel.LocaleEN, Active: true}
	e.accounts.byID[acc.ID] = acc
	if pw != "" {
		e.store.Passwords[acc.ID] = "hash:" + pw
	}
	return acc
}

func (e *env) disable(id uuid.UUID) {
	acc := e.accounts.byID[id]
	acc.Active = false
	e.accounts.byID[id] = acc
}

// login signs acc in and fails the test on error.
func (e *env) login(t *testing.T, email, pw string) auth.TokenPair {
	t.Helper()
	pair, _, err := e.svc.Login(context.Background(), email, pw, auth.Client{UserAgent: "test", IP: "192.0.2.1"})
	if err != nil {
		t.Fatalf("login %s: %v", email, err)
	}
	return pair
}

// signedIn is the actor of user id on some session of theirs.
func signedIn(id uuid.UUID) ports.Actor {
	return ports.Actor{UserID: id, SessionID: kernel.NewID(), Role: kernel.RoleUser}
}
