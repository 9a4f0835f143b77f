package user

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"

	"github.com/keelhq/keel/adapters/postgres"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/platform/testkit/pgtest"
)

var t0 = time.Date(2026, 11, 21, 10, 0, 0, 123456789, time.UTC)

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newUser returns an unsaved user with the address and name.
func newUser(t *testing.T, email, name string, role kernel.Role) *user.User {
	t.Helper()
	e, err := kernel.ParseEmail(email)
	if err != nil {
		t.Fatalf("parse email %q: %v", email, err)
	}
	n, err := user.ParseName(name)
	if err != nil {
		t.Fatalf("parse name %q: %v", name, err)
	}
	return user.New(e, n, kernel.LocaleEN, role, t0)
}

// mustCreate stores a new user and returns it.
func mustCreate(t *testing.T, ctx context.Context, repo *Repository, email, name string, role kernel.Role) *user.User {
	t.Helper()
	u := newUser(t, email, name, role)
	if err := repo.Create(ctx, u); err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return u
}

// assertSame fails unless got has want's state.
func assertSame(t *testing.T, got, want *user.User) {
	t.Helper()
	g, w := got.Record(), want.Record()
	times := [][2]time.Time{{g.CreatedAt, w.CreatedAt}, {g.UpdatedAt, w.UpdatedAt}, {g.EmailVerifiedAt, w.EmailVerifiedAt}}
	for _, p := range times {
		if !p[0].Equal(p[1]) {
			t.Errorf("time: got %v, want %v", p[0], p[1])
		}
	}
	g.CreatedAt, g.UpdatedAt, g.EmailVerifiedAt = w.CreatedAt, w.UpdatedAt, w.EmailVerifiedAt
	if g != w {
		t.Errorf("user: got %+v, want %+v", g, w)
	}
}

func TestCreateAndRead(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	repo := NewRepository(pgtest.Open(t).Bun)
	alice := mustCreate(t, ctx, repo, "Alice@Example.com", "Alice", kernel.RoleAdmin)

	reads := map[string]func() (*user.User, error){
		"Get":          func() (*user.User, error) { return repo.Get(ctx, alice.ID()) },
		"GetForUpdate": func() (*user.User, error) { return repo.GetForUpdate(ctx, alice.ID()) },
		"ByEmail":      func() (*user.User, error) { return repo.ByEmail(ctx, "alice@example.com") },
	}
	for name, read := range reads {
		got, err := read()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		assertSame(t, got, alice)
	}
	if err := repo.Create(ctx, newUser(t, "alice@example.com", "Other", kernel.RoleUser)); !errors.Is(err, user.ErrEmailTaken) {
		t.Errorf("duplicate e-mail: got %v, want ErrEmailTaken", err)
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	repo := NewRepository(pgtest.Open(t).Bun)
	mustCreate(t, ctx, repo, "bob@example.com", "Bob", kernel.RoleUser)
	ghost := newUser(t, "ghost@example.com", "Ghost", kernel.RoleUser)

	tests := map[string]func() error{
		"Get":          func() error { _, err := repo.Get(ctx, ghost.ID()); return err },
		"GetForUpdate": func() error { _, err := repo.GetForUpdate(ctx, ghost.ID()); return err },
		"ByEmail":      func() error { _, err := repo.ByEmail(ctx, ghost.Email()); return err },
		"Update":       func() error { return repo.Update(ctx, ghost) },
	}
	for name, call := range tests {
		if err := call(); !errors.Is(err, user.ErrNotFound) {
			t.Errorf("%s: got %v, want ErrNotFound", name, err)
		}
	}
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	repo := NewRepository(pgtest.Open(t).Bun)
	carol := mustCreate(t, ctx, repo, "carol@example.com", "Carol", kernel.RoleUser)
	dave := mustCreate(t, ctx, repo, "dave@example.com", "Dave", kernel.RoleUser)

	now := t0.Add(time.Hour)
	ch := kernel.Changes{}
	carol.Rename("Caroline", now, ch)
	carol.SetRole(kernel.RoleAdmin, now, ch)
	carol.SetStatus(user.StatusDisabled, now, ch)
	carol.SetLocale(kernel.LocaleDE, now, ch)
	carol.VerifyEmail(now, ch)
	if err := repo.Update(ctx, carol); err != nil {
		t.Fatalf("update: %v", err)
	}
	got, err := repo.Get(ctx, carol.ID())
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	assertSame(t, got, carol)

	rec := dave.Record()
	rec.Email = "carol@example.com"
	clash, err := user.Restore(rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.Update(ctx, clash); !errors.Is(err, user.ErrEmailTaken) {
		t.Errorf("update to a taken e-mail: got %v, want ErrEmailTaken", err)
	}
}

func TestTransactionJoined(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db := pgtest.Open(t).Bun
	repo, tx := NewRepository(db), postgres.NewTransactor(db)
	erin := newUser(t, "erin@example.com", "Erin", kernel.RoleUser)
	boom := errors.New("boom")
	outer := ctx // carries no transaction

	err := tx.Do(ctx, func(ctx context.Context) error {
		if err := repo.Create(ctx, erin); err != nil {
			return err
		}
		if _, err := repo.GetForUpdate(ctx, erin.ID()); err != nil {
			return err
		}
		// Outside the transaction the row is not visible yet.
		if _, err := repo.Get(outer, erin.ID()); !errors.Is(err, user.ErrNotFound) {
			t.Errorf("uncommitted row visible outside the transaction: %v", err)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Do: got %v, want boom", err)
	}
	if _, err := repo.Get(ctx, erin.ID()); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("after rollback: got %v, want ErrNotFound", err)
	}
}

// assertLocked fails unless locking the row with lock in another transaction times out.
func assertLocked(t *testing.T, ctx context.Context, db *bun.DB, lock func(ctx context.Context) error) {
	t.Helper()
	err := postgres.NewTransactor(db).Do(ctx, func(ctx context.Context) error {
		if _, err := postgres.Conn(ctx, db).ExecContext(ctx, "SET LOCAL lock_timeout = '100ms'"); err != nil {
			return err
		}
		return lock(ctx)
	})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "55P03" {
		t.Errorf("second lock: got %v, want lock_not_available (55P03)", err)
	}
}

func TestLocks(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db := pgtest.Open(t).Bun
	repo, tx := NewRepository(db), postgres.NewTransactor(db)
	admins := []*user.User{
		mustCreate(t, ctx, repo, "a1@example.com", "A1", kernel.RoleAdmin),
		mustCreate(t, ctx, repo, "a2@example.com", "A2", kernel.RoleAdmin),
	}
	mustCreate(t, ctx, repo, "u1@example.com", "U1", kernel.RoleUser)
	off := mustCreate(t, ctx, repo, "a3@example.com", "A3", kernel.RoleAdmin)
	off.SetStatus(user.StatusDisabled, t0, kernel.Changes{})
	if err := repo.Update(ctx, off); err != nil {
		t.Fatal(err)
	}

	outer := ctx // carries no transaction: assertLocked opens a second one
	err := tx.Do(ctx, func(ctx context.Context) error {
		ids, err := repo.LockActiveAdmins(ctx)
		if err != nil {
			return err
		}
		if len(ids) != 2 || ids[0] != admins[0].ID() || ids[1] != admins[1].ID() {
			t.Errorf("LockActiveAdmins = %v, want the ids of a1, a2 in order", ids)
		}
		assertLocked(t, outer, db, func(ctx context.Context) error {
			_, err := repo.GetForUpdate(ctx, admins[1].ID())
			return err
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = tx.Do(ctx, func(ctx context.Context) error {
		if _, err := repo.GetForUpdate(ctx, off.ID()); err != nil {
			return err
		}
		assertLocked(t, outer, db, func(ctx context.Context) error {
			_, err := repo.GetForUpdate(ctx, off.ID())
			return err
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if ids, err := repo.LockActiveAdmins(ctx); err != nil || len(ids) != 2 {
		t.Errorf("LockActiveAdmins outside a transaction = %v, %v", ids, err)
	}
}
