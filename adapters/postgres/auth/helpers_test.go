package auth

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/platform/testkit/pgtest"
)

// fixture is a fresh database with its Store.
type fixture struct {
	ctx   context.Context
	db    *bun.DB
	store *Store
	now   time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	db := pgtest.Open(t).Bun
	return &fixture{ctx: ctx, db: db, store: NewStore(db), now: kernel.Timestamp(time.Now())}
}

// user inserts an account speaking English and returns its id.
func (f *fixture) user(t *testing.T, role kernel.Role, status string) uuid.UUID {
	t.Helper()
	return f.userIn(t, role, status, kernel.LocaleEN)
}

// userIn inserts an account speaking locale and returns its id.
func (f *fixture) userIn(t *testing.T, role kernel.Role, status string, locale kernel.Locale) uuid.UUID {
	t.Helper()
	id := kernel.NewID()
	_, err := f.db.NewRaw(`INSERT INTO users (id, email, name, role, status, locale, created_at, updated_at)
		VALUES (?, ?, 'Someone', ?, ?, ?, now(), now())`, id, id.String()+"@example.com", string(role), status, string(locale)).
		Exec(f.ctx)
	if err != nil {
		t.Fatalf("insert user: %v", err)
	}
	return id
}

// session stores a session of userID created at created, last used then and expiring at
// expires; revoked, when not zero, is its revocation time.
func (f *fixture) session(t *testing.T, userID uuid.UUID, created, expires, revoked time.Time) *auth.Session {
	t.Helper()
	rec := auth.SessionRecord{
		ID: kernel.NewID(), UserID: userID, UserAgent: "test-agent/1.0", IP: "192.0.2.1",
		CreatedAt: created, LastUsedAt: created, ExpiresAt: expires, RevokedAt: revoked,
	}
	if !revoked.IsZero() {
		rec.RevokeReason = "test"
	}
	s := mustSession(t, rec)
	if err := f.store.CreateSession(f.ctx, s); err != nil {
		t.Fatalf("create session: %v", err)
	}
	return s
}

// activeSession stores a session of userID opened at f.now, expiring a day later.
func (f *fixture) activeSession(t *testing.T, userID uuid.UUID) *auth.Session {
	t.Helper()
	return f.session(t, userID, f.now, f.now.Add(24*time.Hour), time.Time{})
}

// count returns the number of rows of table matching where.
func (f *fixture) count(t *testing.T, table, where string, args ...any) int {
	t.Helper()
	var n int
	err := f.db.NewSelect().TableExpr(table).ColumnExpr("count(*)").Where(where, args...).Scan(f.ctx, &n)
	if err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// assertEqual fails unless got deep-equals want.
func assertEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// mustSession restores a session from rec.
func mustSession(t *testing.T, rec auth.SessionRecord) *auth.Session {
	t.Helper()
	s, err := auth.RestoreSession(rec)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
