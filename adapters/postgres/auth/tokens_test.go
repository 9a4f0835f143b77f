package auth

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
)

// oneTimeToken stores a token of uid for purpose expiring at expires; used, when not
// zero, marks it used then.
func (f *fixture) oneTimeToken(t *testing.T, uid uuid.UUID, purpose, secret string, expires, used time.Time) {
	t.Helper()
	ott := auth.OneTimeToken{
		ID: kernel.NewID(), UserID: uid, Purpose: purpose, Hash: auth.HashToken(secret),
		CreatedAt: f.now.Add(-time.Hour), ExpiresAt: expires,
	}
	if err := f.store.CreateOneTimeToken(f.ctx, ott); err != nil {
		t.Fatalf("create one-time token: %v", err)
	}
	if !used.IsZero() {
		if _, err := f.db.NewRaw("UPDATE one_time_tokens SET used_at = ? WHERE id = ?", used, ott.ID).Exec(f.ctx); err != nil {
			t.Fatal(err)
		}
	}
}

func TestConsumeOneTimeToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	uid := f.user(t, kernel.RoleUser, "active")
	later, never := f.now.Add(time.Hour), time.Time{}
	f.oneTimeToken(t, uid, auth.PurposePasswordReset, "good", later, never)
	f.oneTimeToken(t, uid, auth.PurposeEmailVerify, "verify", later, never)
	f.oneTimeToken(t, uid, auth.PurposePasswordReset, "expired", f.now, never)
	f.oneTimeToken(t, uid, auth.PurposePasswordReset, "used", later, f.now.Add(-time.Minute))

	tests := []struct {
		name, secret, purpose string
		ok                    bool
	}{
		{"valid", "good", auth.PurposePasswordReset, true},
		{"second use", "good", auth.PurposePasswordReset, false},
		{"other purpose", "verify", auth.PurposePasswordReset, false},
		{"its purpose", "verify", auth.PurposeEmailVerify, true},
		{"expires now", "expired", auth.PurposePasswordReset, false},
		{"already used", "used", auth.PurposePasswordReset, false},
		{"unknown", "nope", auth.PurposePasswordReset, false},
	}
	for _, tt := range tests { // in order: "second use" follows "valid"
		got, err := f.store.ConsumeOneTimeToken(f.ctx, auth.HashToken(tt.secret), tt.purpose, f.now)
		switch {
		case tt.ok && (err != nil || got != uid):
			t.Errorf("%s: got %v, %v; want %v", tt.name, got, err, uid)
		case !tt.ok && (!errors.Is(err, auth.ErrInvalidOrExpiredToken) || got != uuid.Nil):
			t.Errorf("%s: got %v, %v; want ErrInvalidOrExpiredToken", tt.name, got, err)
		}
	}
	if n := f.count(t, "one_time_tokens", "token_hash = ? AND used_at = ?", auth.HashToken("good"), f.now); n != 1 {
		t.Errorf("consumed token not marked used at now")
	}
}

// TestConsumeOneTimeTokenRace spends one token from many goroutines: exactly one wins.
func TestConsumeOneTimeTokenRace(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	uid := f.user(t, kernel.RoleUser, "active")
	f.oneTimeToken(t, uid, auth.PurposePasswordReset, "contested", f.now.Add(time.Hour), time.Time{})

	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := f.store.ConsumeOneTimeToken(f.ctx, auth.HashToken("contested"), auth.PurposePasswordReset, f.now)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	wins := 0
	for err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, auth.ErrInvalidOrExpiredToken):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if wins != 1 {
		t.Errorf("%d goroutines consumed the token, want 1", wins)
	}
}

// The purges remove what ended before the cut-off, and nothing else, in batches.
func TestPurges(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	uid := f.user(t, kernel.RoleUser, "active")
	before := f.now.Add(-time.Hour)
	old, soon, never := before.Add(-time.Minute), before.Add(time.Minute), time.Time{}

	gone := []*auth.Session{
		f.session(t, uid, old.Add(-time.Hour), old, never), // expired before
		f.session(t, uid, old, f.now.Add(time.Hour), old),  // revoked before
		f.session(t, uid, old.Add(-time.Hour), old, f.now), // expired before, revoked after
	}
	kept := []*auth.Session{
		f.session(t, uid, old, f.now.Add(time.Hour), soon), // revoked after
		f.session(t, uid, old, soon, never),                // expired after
		f.activeSession(t, uid),
	}
	for i, s := range append(gone, kept...) {
		rt := auth.RefreshToken{ID: kernel.NewID(), SessionID: s.ID(), Hash: auth.HashToken(s.ID().String()), CreatedAt: s.Record().CreatedAt}
		if err := f.store.CreateRefreshToken(f.ctx, rt); err != nil {
			t.Fatalf("refresh token %d: %v", i, err)
		}
	}
	f.oneTimeToken(t, uid, auth.PurposePasswordReset, "expired", old, never)             // gone
	f.oneTimeToken(t, uid, auth.PurposePasswordReset, "used", f.now.Add(time.Hour), old) // gone
	f.oneTimeToken(t, uid, auth.PurposeEmailVerify, "used old, expired", old, old)       // gone
	f.oneTimeToken(t, uid, auth.PurposeEmailVerify, "used soon", f.now.Add(time.Hour), soon)
	f.oneTimeToken(t, uid, auth.PurposeEmailVerify, "expires soon", soon, never)
	f.oneTimeToken(t, uid, auth.PurposeEmailVerify, "live", f.now.Add(time.Hour), never)

	// Batches of 2: 3 sessions take two statements, the second one short.
	if n, err := f.store.PurgeSessions(f.ctx, before, 2); err != nil || n != 2 {
		t.Fatalf("first batch = %d, %v; want 2", n, err)
	}
	if n, err := f.store.PurgeSessions(f.ctx, before, 2); err != nil || n != 1 {
		t.Fatalf("second batch = %d, %v; want 1", n, err)
	}
	for _, s := range gone {
		if f.count(t, "sessions", "id = ?", s.ID()) != 0 || f.count(t, "refresh_tokens", "session_id = ?", s.ID()) != 0 {
			t.Errorf("session %s or its refresh token is still there", s.ID())
		}
	}
	for _, s := range kept {
		if f.count(t, "sessions", "id = ?", s.ID()) != 1 || f.count(t, "refresh_tokens", "session_id = ?", s.ID()) != 1 {
			t.Errorf("session %s or its refresh token went", s.ID())
		}
	}
	if n, err := f.store.PurgeOneTimeTokens(f.ctx, before, 100); err != nil || n != 3 {
		t.Fatalf("PurgeOneTimeTokens = %d, %v; want 3", n, err)
	}
	for _, secret := range []string{"used soon", "expires soon", "live"} {
		if f.count(t, "one_time_tokens", "token_hash = ?", auth.HashToken(secret)) != 1 {
			t.Errorf("token %q went", secret)
		}
	}
	if got := f.count(t, "one_time_tokens", "TRUE"); got != 3 {
		t.Errorf("%d one-time tokens left, want 3", got)
	}
	// Idempotent.
	if n, err := f.store.PurgeSessions(f.ctx, before, 2); err != nil || n != 0 {
		t.Errorf("third batch = %d, %v; want 0", n, err)
	}
	if n, err := f.store.PurgeOneTimeTokens(f.ctx, before, 100); err != nil || n != 0 {
		t.Errorf("second token purge = %d, %v; want 0", n, err)
	}
}
