package identity_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/memory"
	memaudit "github.com/keelhq/keel/adapters/memory/audit"
	memuser "github.com/keelhq/keel/adapters/memory/user"
	"github.com/keelhq/keel/application/identity"
	"github.com/keelhq/keel/domain/audit/audittest"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/auth/authtest"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/ports/portstest"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// env wires both contexts and the identity glue to the in-memory adapters (transaction,
// outbox, user repository, audit trail) and to authtest's fakes of the auth ports.
type env struct {
	reg       *identity.Registration
	verify    *identity.Verification
	accounts  *identity.Accounts
	users     *user.Service
	auth      *auth.Service
	repo      *memuser.Repository
	store     *authtest.Store
	mail      *authtest.Mail
	tx        *memory.Tx
	audit     *audittest.Trail
	events    *memory.Outbox
	jobs      *portstest.JobQueue
	broadcast *authtest.Broadcast
	clock     *portstest.Clock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{
		tx: memory.NewTx(), store: authtest.NewStore(), mail: &authtest.Mail{}, jobs: &portstest.JobQueue{},
		broadcast: &authtest.Broadcast{}, clock: portstest.NewClock(t0),
	}
	e.repo = memuser.NewRepository(e.tx)
	e.events = memory.NewOutbox(e.tx)
	e.audit = audittest.NewTrail(t, memaudit.NewRepository(e.tx), e.clock)
	e.tx.Register(e.store, e.jobs)
	e.accounts = &identity.Accounts{Repo: e.repo}
	var err error
	e.auth, err = auth.NewService(auth.Deps{
		Accounts: e.accounts, Store: e.store, Hasher: &authtest.Hasher{}, Tokens: &authtest.Tokens{},
		Status: authtest.NewStatus(), Broadcast: e.broadcast, Mail: e.mail, Tx: e.tx, Audit: e.audit,
		Events: e.events, Jobs: e.jobs, Clock: e.clock, SignIns: authtest.NewSignIns(), Notices: &authtest.Notices{},
		Lifetimes: auth.Lifetimes{Idle: time.Hour, Absolute: 24 * time.Hour, Access: time.Minute, Reset: time.Hour, Verify: time.Hour},
		LinkBase:  "https://app.example.com",
	})
	if err != nil {
		t.Fatal(err)
	}
	e.users, err = user.NewService(e.repo, &identity.Access{Auth: e.auth}, noNotices{}, e.tx, e.audit, e.events, e.clock)
	if err != nil {
		t.Fatal(err)
	}
	e.reg = &identity.Registration{Users: e.users, Auth: e.auth, Tx: e.tx}
	e.verify = &identity.Verification{Auth: e.auth, Users: e.users, Tx: e.tx}
	return e
}

// transactions counts the outermost transactions, committed or rolled back.
func (e *env) transactions() int { return e.tx.Commits() + e.tx.Rollbacks() }

// stored returns every stored user's record, by id.
func (e *env) stored(t *testing.T) map[uuid.UUID]user.Record {
	t.Helper()
	users, err := e.repo.List(context.Background(), user.Filter{}, kernel.Page{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[uuid.UUID]user.Record, len(users))
	for _, u := range users {
		out[u.ID()] = u.Record()
	}
	return out
}

// noNotices is a user.Notices that tells nobody anything.
type noNotices struct{}

func (noNotices) RoleChanged(context.Context, *user.User) error { return nil }
