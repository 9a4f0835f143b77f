// Package usertest holds the contract suite of user.Repository: the in-memory and the
// PostgreSQL repositories run the same tests, so that unit tests on the memory one tell
// the truth about the real one.
package usertest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/ports"
)

// t0 is the creation time of the suite's users (microsecond precision, as stored).
var t0 = time.Date(2026, 11, 21, 10, 0, 0, 123456000, time.UTC)

var errBoom = errors.New("usertest: boom")

// NewRepo returns an empty repository and the transaction boundary its writes join.
type NewRepo func(t *testing.T) (user.Repository, ports.Tx)

// RepositoryContract runs the contract of user.Repository against the repositories
// newRepo returns, a fresh one per subtest (subtests run in parallel):
//   - Create then Get, GetForUpdate and ByEmail return the same state; the store keeps a
//     copy, so changing a *user.User reaches it only through Update;
//   - Get, GetForUpdate, ByEmail and Update of an unknown user: user.ErrNotFound;
//   - Create and Update with another user's address: user.ErrEmailTaken, nothing changed;
//   - Update stores every change but the creation time;
//   - writes inside tx.Do commit with it and roll back with it;
//   - List: the Filter's fields (Q a literal prefix of the e-mail or, case-insensitively,
//     of the name; Role; Status), newest first, up to Limit+1, keyset pages stable while
//     users are created between pages;
//   - LockActiveAdmins returns the active administrators' ids in ascending order and
//     holds them: a concurrent transaction's call waits for the holder's commit and sees
//     its demotion.
func RepositoryContract(t *testing.T, newRepo NewRepo) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, repo user.Repository, tx ports.Tx)
	}{
		{"create and read", testCreateAndRead},
		{"store keeps copies", testCopies},
		{"not found", testNotFound},
		{"e-mail taken", testEmailTaken},
		{"update", testUpdate},
		{"transaction commits and rolls back", testTx},
		{"list filters", testListFilters},
		{"list keyset paging", testListKeyset},
		{"lock active admins", testLockActiveAdmins},
		{"lock active admins waits for the holder", testLockActiveAdminsConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			repo, tx := newRepo(t)
			tt.run(t, repo, tx)
		})
	}
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newUser returns an unsaved, active user with the address, name and role.
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

// create stores a new user and returns it.
func create(t *testing.T, ctx context.Context, repo user.Repository, email, name string, role kernel.Role) *user.User {
	t.Helper()
	u := newUser(t, email, name, role)
	if err := repo.Create(ctx, u); err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return u
}

// same fails unless got holds want's state (times compared with Equal).
func same(t *testing.T, what string, got *user.User, want user.Record) {
	t.Helper()
	g := got.Record()
	times := [][2]time.Time{{g.CreatedAt, want.CreatedAt}, {g.UpdatedAt, want.UpdatedAt}, {g.EmailVerifiedAt, want.EmailVerifiedAt}}
	for _, p := range times {
		if !p[0].Equal(p[1]) {
			t.Errorf("%s: time %v, want %v", what, p[0], p[1])
		}
	}
	g.CreatedAt, g.UpdatedAt, g.EmailVerifiedAt = want.CreatedAt, want.UpdatedAt, want.EmailVerifiedAt
	if g != want {
		t.Errorf("%s:\n got %+v\nwant %+v", what, g, want)
	}
}

// stored fails unless the repository holds want's state under its id.
func stored(t *testing.T, ctx context.Context, repo user.Repository, want user.Record) {
	t.Helper()
	got, err := repo.Get(ctx, want.ID)
	if err != nil {
		t.Fatalf("get %s: %v", want.ID, err)
	}
	same(t, "stored", got, want)
}

func testCreateAndRead(t *testing.T, repo user.Repository, _ ports.Tx) {
	ctx := testCtx(t)
	alice := create(t, ctx, repo, "Alice@Example.com", "Alice", kernel.RoleAdmin)
	create(t, ctx, repo, "bob@example.com", "Bob", kernel.RoleUser)
	reads := map[string]func() (*user.User, error){
		"Get":          func() (*user.User, error) { return repo.Get(ctx, alice.ID()) },
		"GetForUpdate": func() (*user.User, error) { return repo.GetForUpdate(ctx, alice.ID()) },
		"ByEmail":      func() (*user.User, error) { return repo.ByEmail(ctx, "alice@example.com") },
	}
	for name, read := range reads {
		got, err := read()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		same(t, name, got, alice.Record())
	}
}

func testCopies(t *testing.T, repo user.Repository, _ ports.Tx) {
	ctx := testCtx(t)
	u := create(t, ctx, repo, "copy@example.com", "Original", kernel.RoleUser)
	want := u.Record()
	u.Rename("Changed", t0.Add(time.Hour), kernel.Changes{})
	u.SetRole(kernel.RoleAdmin, t0.Add(time.Hour), kernel.Changes{})
	stored(t, ctx, repo, want)
	got, err := repo.Get(ctx, u.ID())
	if err != nil {
		t.Fatal(err)
	}
	got.SetStatus(user.StatusDisabled, t0.Add(time.Hour), kernel.Changes{})
	stored(t, ctx, repo, want)
}

func testNotFound(t *testing.T, repo user.Repository, _ ports.Tx) {
	ctx := testCtx(t)
	create(t, ctx, repo, "someone@example.com", "Someone", kernel.RoleUser)
	ghost := newUser(t, "ghost@example.com", "Ghost", kernel.RoleUser)
	calls := map[string]func() error{
		"Get":          func() error { _, err := repo.Get(ctx, ghost.ID()); return err },
		"GetForUpdate": func() error { _, err := repo.GetForUpdate(ctx, ghost.ID()); return err },
		"Get nil id":   func() error { _, err := repo.Get(ctx, uuid.Nil); return err },
		"ByEmail":      func() error { _, err := repo.ByEmail(ctx, ghost.Email()); return err },
		"Update":       func() error { return repo.Update(ctx, ghost) },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, user.ErrNotFound) {
			t.Errorf("%s = %v, want user.ErrNotFound", name, err)
		}
	}
	if _, err := repo.ByEmail(ctx, ghost.Email()); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("Update of an unknown user stored it: ByEmail = %v", err)
	}
}

func testEmailTaken(t *testing.T, repo user.Repository, _ ports.Tx) {
	ctx := testCtx(t)
	a := create(t, ctx, repo, "a@example.com", "A", kernel.RoleUser)
	b := create(t, ctx, repo, "b@example.com", "B", kernel.RoleUser)
	twin := newUser(t, "a@example.com", "Twin", kernel.RoleUser)
	if err := repo.Create(ctx, twin); !errors.Is(err, user.ErrEmailTaken) {
		t.Errorf("Create with a taken address = %v, want user.ErrEmailTaken", err)
	}
	if _, err := repo.Get(ctx, twin.ID()); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("the refused user was stored: Get = %v", err)
	}
	rec := b.Record()
	rec.Email, rec.Name = "a@example.com", "B Renamed"
	moved, err := user.Restore(rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.Update(ctx, moved); !errors.Is(err, user.ErrEmailTaken) {
		t.Errorf("Update to a taken address = %v, want user.ErrEmailTaken", err)
	}
	stored(t, ctx, repo, a.Record())
	stored(t, ctx, repo, b.Record())
	if err := repo.Update(ctx, a); err != nil {
		t.Errorf("Update keeping one's own address = %v", err)
	}
}

func testUpdate(t *testing.T, repo user.Repository, _ ports.Tx) {
	ctx := testCtx(t)
	u := create(t, ctx, repo, "up@example.com", "Before", kernel.RoleUser)
	other := create(t, ctx, repo, "other@example.com", "Other", kernel.RoleUser)
	later := t0.Add(time.Hour)
	ch := kernel.Changes{}
	u.Rename("After", later, ch)
	u.SetLocale(kernel.LocaleDE, later, ch)
	u.SetRole(kernel.RoleAdmin, later, ch)
	u.SetStatus(user.StatusDisabled, later, ch)
	u.VerifyEmail(later, ch)
	if err := repo.Update(ctx, u); err != nil {
		t.Fatal(err)
	}
	stored(t, ctx, repo, u.Record())
	stored(t, ctx, repo, other.Record())

	rec := u.Record()
	rec.Email, rec.CreatedAt = "new@example.com", t0.Add(-time.Hour)
	moved, err := user.Restore(rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.Update(ctx, moved); err != nil {
		t.Fatal(err)
	}
	rec.CreatedAt = t0 // the creation time never changes
	stored(t, ctx, repo, rec)
	if got, err := repo.ByEmail(ctx, "new@example.com"); err != nil || got.ID() != u.ID() {
		t.Errorf("ByEmail(new address) = %v, %v", got, err)
	}
	if _, err := repo.ByEmail(ctx, "up@example.com"); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("ByEmail(old address) = %v, want user.ErrNotFound", err)
	}
}

func testTx(t *testing.T, repo user.Repository, tx ports.Tx) {
	ctx := testCtx(t)
	kept := create(t, ctx, repo, "kept@example.com", "Kept", kernel.RoleUser)
	before := kept.Record()
	var lost *user.User
	err := tx.Do(ctx, func(ctx context.Context) error {
		lost = create(t, ctx, repo, "lost@example.com", "Lost", kernel.RoleUser)
		u, err := repo.GetForUpdate(ctx, kept.ID())
		if err != nil {
			return err
		}
		u.Rename("Renamed", t0.Add(time.Hour), kernel.Changes{})
		if err := repo.Update(ctx, u); err != nil {
			return err
		}
		stored(t, ctx, repo, u.Record()) // a transaction reads its own writes
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Do = %v, want fn's error", err)
	}
	if _, err := repo.Get(ctx, lost.ID()); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("a rolled-back Create: Get = %v, want user.ErrNotFound", err)
	}
	stored(t, ctx, repo, before)

	var made *user.User
	err = tx.Do(ctx, func(ctx context.Context) error {
		made = create(t, ctx, repo, "lost@example.com", "Made", kernel.RoleUser)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stored(t, ctx, repo, made.Record())
}

// testLockActiveAdmins checks which ids LockActiveAdmins returns.
func testLockActiveAdmins(t *testing.T, repo user.Repository, tx ports.Tx) {
	ctx := testCtx(t)
	var want []uuid.UUID
	for _, s := range []struct {
		email    string
		role     kernel.Role
		disabled bool
	}{
		{"a1@example.com", kernel.RoleAdmin, false},
		{"u1@example.com", kernel.RoleUser, false},
		{"a2@example.com", kernel.RoleAdmin, true},
		{"a3@example.com", kernel.RoleAdmin, false},
		{"u2@example.com", kernel.RoleUser, true},
	} {
		u := create(t, ctx, repo, s.email, "N", s.role)
		if s.disabled {
			u.SetStatus(user.StatusDisabled, t0, kernel.Changes{})
			if err := repo.Update(ctx, u); err != nil {
				t.Fatal(err)
			}
		} else if s.role == kernel.RoleAdmin {
			want = append(want, u.ID()) // UUIDv7: created in ascending order
		}
	}
	err := tx.Do(ctx, func(ctx context.Context) error {
		got, err := repo.LockActiveAdmins(ctx)
		if err != nil {
			return err
		}
		if !slices.Equal(got, want) {
			t.Errorf("LockActiveAdmins = %v, want %v", got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testLockActiveAdminsConcurrent: while one transaction holds the admins and demotes
// one, another transaction's LockActiveAdmins waits and then sees only the other admin,
// so two demotions cannot both see another admin left.
func testLockActiveAdminsConcurrent(t *testing.T, repo user.Repository, tx ports.Tx) {
	ctx := testCtx(t)
	a := create(t, ctx, repo, "a@example.com", "A", kernel.RoleAdmin)
	b := create(t, ctx, repo, "b@example.com", "B", kernel.RoleAdmin)
	locked := make(chan struct{})
	var wg sync.WaitGroup
	var second []uuid.UUID
	wg.Go(func() {
		<-locked
		err := tx.Do(ctx, func(ctx context.Context) error {
			var err error
			second, err = repo.LockActiveAdmins(ctx)
			return err
		})
		if err != nil {
			t.Errorf("second transaction: %v", err)
		}
	})
	err := tx.Do(ctx, func(ctx context.Context) error {
		ids, err := repo.LockActiveAdmins(ctx)
		if err != nil {
			return err
		}
		if len(ids) != 2 {
			t.Errorf("first LockActiveAdmins = %v, want both admins", ids)
		}
		close(locked)
		time.Sleep(200 * time.Millisecond) // the second transaction reaches its lock meanwhile
		u, err := repo.GetForUpdate(ctx, a.ID())
		if err != nil {
			return err
		}
		u.SetRole(kernel.RoleUser, t0.Add(time.Hour), kernel.Changes{})
		return repo.Update(ctx, u)
	})
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if want := []uuid.UUID{b.ID()}; !slices.Equal(second, want) {
		t.Errorf("second LockActiveAdmins = %v, want only %v (it did not wait for the first)", second, want)
	}
}
