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
