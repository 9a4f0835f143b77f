package auth_test

import (
	"context"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/ports/portstest"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeAccounts is an in-memory auth.Accounts.
type fakeAccounts struct {
	byID     map[uuid.UUID]auth.Account
	verified []uuid.UUID
	err      error // returned by every lookup when set
}

func (a *fakeAccounts) Snapshot() func() {
	saved, n := maps.Clone(a.byID), len(a.verified)
	return func() { a.byID, a.verified = saved, a.verified[:n] }
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

func (a *fakeAccounts) MarkEmailVerified(_ context.Context, id uuid.UUID) error {
	acc, ok := a.byID[id]
	if !ok {
		return auth.ErrAccountNotFound
	}
	acc.EmailVerified = true
	a.byID[id] = acc
	a.verified = append(a.verified, id)
	return nil
}

// fakeHasher "hashes" pw as "hash:"+pw and counts its calls; Verify also accepts "old:"+pw,
// and reports rehash for any match while the flag is on.
type fakeHasher struct {
	mu        sync.Mutex
	rehash    bool
	hashErr   error
	hashes    int
	verified  []string // the encoded hashes Verify was given
	verifyErr error
}

func (h *fakeHasher) Hash(_ context.Context, pw string) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hashes++
	if h.hashErr != nil {
		return "", h.hashErr
	}
	return "hash:" + pw, nil
}

func (h *fakeHasher) Verify(_ context.Context, pw, encoded string) (bool, bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.verified = append(h.verified, encoded)
	if h.verifyErr != nil {
		return false, false, h.verifyErr
	}
	match := encoded == "hash:"+pw || encoded == "old:"+pw // "old:" is a hash made with older parameters
	return match, match && h.rehash, nil
}

// fakeTokens issues "access-N" tokens and remembers their claims.
type fakeTokens struct {
	issued map[string]auth.Claims
	err    error
}

func (f *fakeTokens) Issue(c auth.Claims) (string, error) {
	if f.err != nil {
		return "", f.err
	}
	if f.issued == nil {
		f.issued = map[string]auth.Claims{}
	}
	tok := "access-" + c.SessionID.String() + "-" + strings.Repeat("x", len(f.issued))
	f.issued[tok] = c
	return tok, nil
}

func (f *fakeTokens) Verify(tok string) (auth.Claims, error) {
	c, ok := f.issued[tok]
	if !ok {
		return auth.Claims{}, auth.ErrInvalidToken
	}
	return c, nil
}

// fakeStatus answers SessionState from a table, or "inactive" for unknown sessions.
type fakeStatus struct {
	states map[uuid.UUID]auth.SessionState
	err    error
}

func (f *fakeStatus) SessionState(_ context.Context, id uuid.UUID) (auth.SessionState, error) {
	return f.states[id], f.err
}

// fakeSessionEvents records the broadcasts.
type fakeSessionEvents struct {
	mu  sync.Mutex
	ids [][]uuid.UUID
}

func (f *fakeSessionEvents) Invalidate(_ context.Context, ids ...uuid.UUID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ids = append(f.ids, ids)
}

func (f *fakeSessionEvents) all() []uuid.UUID {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []uuid.UUID
	for _, ids := range f.ids {
		out = append(out, ids...)
	}
	return out
}

// sentMail is one e-mail the fake Mail was asked to send.
type sentMail struct {
	To, Template, Locale string
	Data                 map[string]string
}

type fakeMail struct {
	sent []sentMail
	err  error
}

func (m *fakeMail) Send(_ context.Context, to, template, locale string, data map[string]string) error {
	if m.err != nil {
		return m.err
	}
	m.sent = append(m.sent, sentMail{to, template, locale, data})
	return nil
}

// env is an auth.Service wired to fakes.
type env struct {
	svc      *auth.Service
	accounts *fakeAccounts
	store    *fakeStore
	hasher   *fakeHasher
	tokens   *fakeTokens
	status   *fakeStatus
	events   *fakeSessionEvents
	mail     *fakeMail
	tx       *portstest.Tx
	audit    *portstest.AuditTrail
	jobs     *portstest.JobQueue
	clock    *portstest.Clock
}

var lifetimes = auth.Lifetimes{
	Idle: 24 * time.Hour, Absolute: 72 * time.Hour, Access: 15 * time.Minute,
	Reset: 30 * time.Minute, Verify: 48 * time.Hour,
}

func newEnv() *env {
	e := &env{
		accounts: &fakeAccounts{byID: map[uuid.UUID]auth.Account{}}, store: newFakeStore(), hasher: &fakeHasher{},
		tokens: &fakeTokens{}, status: &fakeStatus{states: map[uuid.UUID]auth.SessionState{}},
		events: &fakeSessionEvents{}, mail: &fakeMail{}, audit: &portstest.AuditTrail{}, jobs: &portstest.JobQueue{},
		clock: portstest.NewClock(t0),
	}
	e.tx = portstest.NewTx(e.accounts, e.store, e.audit, e.jobs)
	e.svc = &auth.Service{
		Accounts: e.accounts, Store: e.store, Hasher: e.hasher, Tokens: e.tokens, Status: e.status,
		Events: e.events, Mail: e.mail, Tx: e.tx, Audit: e.audit, Jobs: e.jobs, Clock: e.clock,
		Lifetimes: lifetimes, LinkBase: "https://app.example.com",
	}
	return e
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
		e.store.passwords[acc.ID] = "hash:" + pw
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
