package auth

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/keelhq/keel/adapters/postgres"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
)

func TestPasswords(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id := f.user(t, kernel.RoleUser, "active")

	if _, err := f.store.PasswordHash(f.ctx, id); !errors.Is(err, auth.ErrNoCredentials) {
		t.Fatalf("no password yet: got %v, want ErrNoCredentials", err)
	}
	for i, hash := range []string{"$argon2id$first", "$argon2id$second"} { // the second is an upsert
		if err := f.store.SetPassword(f.ctx, id, hash, f.now.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatalf("set password %d: %v", i, err)
		}
		got, err := f.store.PasswordHash(f.ctx, id)
		if err != nil || got != hash {
			t.Fatalf("after set %d: got %q, %v; want %q", i, got, err, hash)
		}
	}
	if n := f.count(t, "credentials", "user_id = ? AND updated_at = ?", id, f.now.Add(time.Minute)); n != 1 {
		t.Errorf("upsert kept the old updated_at")
	}
	f.oneTimeToken(t, id, auth.PurposePasswordReset, "reset", f.now.Add(time.Hour), time.Time{})
	for range 2 { // deleting none is not an error
		if err := f.store.DeleteCredentials(f.ctx, id); err != nil {
			t.Fatalf("delete credentials: %v", err)
		}
	}
	if _, err := f.store.PasswordHash(f.ctx, id); !errors.Is(err, auth.ErrNoCredentials) {
		t.Errorf("after delete: got %v, want ErrNoCredentials", err)
	}
	if n := f.count(t, "one_time_tokens", "user_id = ?", id); n != 0 {
		t.Errorf("after delete: %d one-time tokens left, which could give the account a password again", n)
	}
}

func TestSessionRoundTrip(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	uid := f.user(t, kernel.RoleUser, "active")
	revoked := f.session(t, uid, f.now, f.now.Add(time.Hour), f.now.Add(time.Minute))
	for _, want := range []*auth.Session{f.activeSession(t, uid), revoked} {
		got, err := f.store.SessionForUpdate(f.ctx, want.ID())
		if err != nil {
			t.Fatal(err)
		}
		assertEqual(t, "session", got, want)
	}
	if _, err := f.store.SessionForUpdate(f.ctx, kernel.NewID()); !errors.Is(err, auth.ErrSessionNotFound) {
		t.Errorf("unknown session: got %v, want ErrSessionNotFound", err)
	}

	later := f.now.Add(time.Hour)
	if err := f.store.TouchSession(f.ctx, revoked.ID(), later); err != nil {
		t.Fatal(err)
	}
	got, _ := f.store.SessionForUpdate(f.ctx, revoked.ID())
	if !got.Record().LastUsedAt.Equal(later) {
		t.Errorf("after touch: last used %v, want %v", got.Record().LastUsedAt, later)
	}
	if err := f.store.TouchSession(f.ctx, kernel.NewID(), later); !errors.Is(err, auth.ErrSessionNotFound) {
		t.Errorf("touch unknown: got %v, want ErrSessionNotFound", err)
	}
}

func TestActiveSessions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	uid, other := f.user(t, kernel.RoleUser, "active"), f.user(t, kernel.RoleUser, "active")
	older := f.session(t, uid, f.now.Add(-time.Hour), f.now.Add(time.Hour), time.Time{})
	newer := f.session(t, uid, f.now.Add(-time.Minute), f.now.Add(time.Hour), time.Time{})
	f.session(t, uid, f.now.Add(-time.Minute), f.now.Add(time.Hour), f.now.Add(-time.Second)) // revoked
	f.session(t, uid, f.now.Add(-2*time.Hour), f.now, time.Time{})                            // expires now
	f.activeSession(t, other)

	got, err := f.store.ActiveSessions(f.ctx, uid, f.now)
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, "active sessions, newest first", got, []*auth.Session{newer, older})
	if got, _ := f.store.ActiveSessions(f.ctx, kernel.NewID(), f.now); len(got) != 0 {
		t.Errorf("unknown user has sessions %v", got)
	}
}

func TestRevokeSessions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		name   string
		except int // index of the excepted session, -1 for none
	}{
		{"all", -1},
		{"all but one", 1},
	}
	for _, tt := range tests {
		uid := f.user(t, kernel.RoleUser, "active")
		sessions := []*auth.Session{f.activeSession(t, uid), f.activeSession(t, uid), f.activeSession(t, uid)}
		already := f.session(t, uid, f.now, f.now.Add(time.Hour), f.now.Add(-time.Minute))
		f.activeSession(t, f.user(t, kernel.RoleUser, "active")) // another user's

		except, want := uuid.Nil, []uuid.UUID{}
		for i, s := range sessions {
			if i == tt.except {
				except = s.ID()
				continue
			}
			want = append(want, s.ID())
		}
		revoked, err := f.store.RevokeSessions(f.ctx, uid, except, "password_changed", f.now)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]uuid.UUID, len(revoked))
		for i, s := range revoked {
			got[i] = s.ID()
			if r := s.Record(); r.RevokeReason != "password_changed" || !r.RevokedAt.Equal(f.now) {
				t.Errorf("%s: returned %+v, not revoked", tt.name, r)
			}
		}
		slices.SortFunc(got, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
		assertEqual(t, tt.name+": revoked ids", got, want)
		if again, err := f.store.RevokeSessions(f.ctx, uid, except, "again", f.now); err != nil || len(again) != 0 {
			t.Errorf("%s: second call revoked %v, %v", tt.name, again, err)
		}
		if s, _ := f.store.SessionForUpdate(f.ctx, want[0]); s.Record().RevokeReason != "password_changed" || !s.Record().RevokedAt.Equal(f.now) {
			t.Errorf("%s: revoked session stored as %+v", tt.name, s)
		}
		if s, _ := f.store.SessionForUpdate(f.ctx, already.ID()); s.Record().RevokeReason != "test" {
			t.Errorf("%s: an already revoked session was revoked again: %+v", tt.name, s)
		}
		if n := f.count(t, "sessions", "user_id = ? AND revoked_at IS NULL", uid); n != len(sessions)-len(want) {
			t.Errorf("%s: %d sessions left active", tt.name, n)
		}
	}
}

func TestRevokeSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.activeSession(t, f.user(t, kernel.RoleUser, "active"))
	for i, want := range []bool{true, false} {
		got, err := f.store.RevokeSession(f.ctx, s.ID(), "logout", f.now)
		if err != nil || got != want {
			t.Errorf("call %d: got %v, %v; want %v", i, got, err, want)
		}
	}
	if got, err := f.store.RevokeSession(f.ctx, kernel.NewID(), "logout", f.now); err != nil || got {
		t.Errorf("unknown session: got %v, %v; want false", got, err)
	}
}

func TestDeleteSessions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	uid, other := f.user(t, kernel.RoleUser, "active"), f.user(t, kernel.RoleUser, "active")
	a := f.activeSession(t, uid)
	b := f.session(t, uid, f.now, f.now.Add(time.Hour), f.now)
	kept := f.activeSession(t, other)
	rt := auth.RefreshToken{ID: kernel.NewID(), SessionID: a.ID(), Hash: auth.HashToken("a"), CreatedAt: f.now}
	if err := f.store.CreateRefreshToken(f.ctx, rt); err != nil {
		t.Fatal(err)
	}

	got, err := f.store.DeleteSessions(f.ctx, uid)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got, func(x, y uuid.UUID) int { return slices.Compare(x[:], y[:]) })
	assertEqual(t, "deleted ids", got, []uuid.UUID{a.ID(), b.ID()})
	if _, err := f.store.RefreshTokenForUpdate(f.ctx, rt.Hash); !errors.Is(err, auth.ErrInvalidRefreshToken) {
		t.Errorf("refresh token outlived its session: %v", err)
	}
	if _, err := f.store.SessionForUpdate(f.ctx, kept.ID()); err != nil {
		t.Errorf("another user's session went: %v", err)
	}
	if got, err := f.store.DeleteSessions(f.ctx, uid); err != nil || len(got) != 0 {
		t.Errorf("second delete: %v, %v", got, err)
	}
}

func TestRefreshTokens(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.activeSession(t, f.user(t, kernel.RoleUser, "active"))
	rt := auth.RefreshToken{ID: kernel.NewID(), SessionID: s.ID(), Hash: auth.HashToken("token"), CreatedAt: f.now}
	if err := f.store.CreateRefreshToken(f.ctx, rt); err != nil {
		t.Fatal(err)
	}
	got, err := f.store.RefreshTokenForUpdate(f.ctx, rt.Hash)
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, "refresh token", got, rt)
	if _, err := f.store.RefreshTokenForUpdate(f.ctx, auth.HashToken("other")); !errors.Is(err, auth.ErrInvalidRefreshToken) {
		t.Errorf("unknown hash: got %v, want ErrInvalidRefreshToken", err)
	}

	spent := f.now.Add(time.Minute)
	if err := f.store.SpendRefreshToken(f.ctx, rt.ID, spent); err != nil {
		t.Fatal(err)
	}
	if err := f.store.SpendRefreshToken(f.ctx, rt.ID, spent.Add(time.Minute)); !errors.Is(err, auth.ErrInvalidRefreshToken) {
		t.Errorf("spend twice: got %v, want ErrInvalidRefreshToken", err)
	}
	got, err = f.store.RefreshTokenForUpdate(f.ctx, rt.Hash) // a spent token is still found: reuse detection
	if err != nil || !got.SpentAt.Equal(spent) {
		t.Errorf("spent token: got %+v, %v; want spent at %v", got, err, spent)
	}
}

func TestTransactionJoined(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	uid := f.user(t, kernel.RoleUser, "active")
	tx := postgres.NewTransactor(f.db)
	boom := errors.New("boom")
	var s *auth.Session
	err := tx.Do(f.ctx, func(ctx context.Context) error {
		s = mustSession(t, auth.SessionRecord{ID: kernel.NewID(), UserID: uid, CreatedAt: f.now, LastUsedAt: f.now, ExpiresAt: f.now.Add(time.Hour)})
		rt := auth.RefreshToken{ID: kernel.NewID(), SessionID: s.ID(), Hash: auth.HashToken("t"), CreatedAt: f.now}
		ott := auth.OneTimeToken{ID: kernel.NewID(), UserID: uid, Purpose: auth.PurposeEmailVerify,
			Hash: auth.HashToken("o"), CreatedAt: f.now, ExpiresAt: f.now.Add(time.Hour)}
		errs := []error{
			f.store.SetPassword(ctx, uid, "hash", f.now), f.store.CreateSession(ctx, s),
			f.store.CreateRefreshToken(ctx, rt), f.store.CreateOneTimeToken(ctx, ott),
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
		if _, err := f.store.SessionForUpdate(ctx, s.ID()); err != nil {
			return err
		}
		if _, err := f.store.SessionForUpdate(f.ctx, s.ID()); !errors.Is(err, auth.ErrSessionNotFound) {
			t.Errorf("uncommitted session visible outside the transaction: %v", err)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Do: got %v, want boom", err)
	}
	for _, table := range []string{"credentials", "sessions", "refresh_tokens", "one_time_tokens"} {
		if n := f.count(t, table, "TRUE"); n != 0 {
			t.Errorf("%s has %d rows after rollback", table, n)
		}
	}
}

// TestLocks checks that the ...ForUpdate methods hold their row until the transaction ends.
func TestLocks(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.activeSession(t, f.user(t, kernel.RoleUser, "active"))
	rt := auth.RefreshToken{ID: kernel.NewID(), SessionID: s.ID(), Hash: auth.HashToken("t"), CreatedAt: f.now}
	if err := f.store.CreateRefreshToken(f.ctx, rt); err != nil {
		t.Fatal(err)
	}
	locks := map[string]func(ctx context.Context) error{
		"SessionForUpdate": func(ctx context.Context) error {
			_, err := f.store.SessionForUpdate(ctx, s.ID())
			return err
		},
		"RefreshTokenForUpdate": func(ctx context.Context) error {
			_, err := f.store.RefreshTokenForUpdate(ctx, rt.Hash)
			return err
		},
	}
	for name, lock := range locks {
		err := postgres.NewTransactor(f.db).Do(f.ctx, func(ctx context.Context) error {
			if err := lock(ctx); err != nil {
				return err
			}
			assertLocked(t, f, name, lock) // f.ctx carries no transaction: a second one
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// assertLocked fails unless lock, run in another transaction, times out waiting.
func assertLocked(t *testing.T, f *fixture, name string, lock func(ctx context.Context) error) {
	t.Helper()
	err := postgres.NewTransactor(f.db).Do(f.ctx, func(ctx context.Context) error {
		if _, err := postgres.Conn(ctx, f.db).ExecContext(ctx, "SET LOCAL lock_timeout = '100ms'"); err != nil {
			return err
		}
		return lock(ctx)
	})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "55P03" {
		t.Errorf("%s: second lock: got %v, want lock_not_available (55P03)", name, err)
	}
}
