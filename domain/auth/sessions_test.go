package auth_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/auth/authtest"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/ports"
)

func sortedIDs(ids []uuid.UUID) []uuid.UUID {
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b uuid.UUID) int {
		switch {
		case a.String() < b.String():
			return -1
		case a.String() > b.String():
			return 1
		}
		return 0
	})
	return out
}

func TestAuthenticate(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "ann@example.com", "correct horse")
	pair := e.login(t, "ann@example.com", "correct horse") // the token says role "user"
	e.status.States[pair.SessionID] = auth.SessionState{Active: true, UserID: acc.ID, Role: kernel.RoleAdmin, Locale: kernel.LocaleDE}

	c, err := e.svc.Authenticate(context.Background(), pair.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if c.UserID != acc.ID || c.SessionID != pair.SessionID || c.Role != kernel.RoleAdmin || c.Locale != kernel.LocaleDE {
		t.Errorf("claims = %+v; want role and locale from SessionStatus (admin, de)", c)
	}
}

func TestAuthenticateRefusals(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "ann@example.com", "correct horse")
	pair := e.login(t, "ann@example.com", "correct horse")

	if _, err := e.svc.Authenticate(context.Background(), "forged"); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("invalid token: %v, want ErrInvalidToken", err)
	}
	// The session is active but another account's: a token naming a session it does not
	// own is refused.
	for name, owner := range map[string]uuid.UUID{"another account's": kernel.NewID(), "no account's": uuid.Nil} {
		e.status.States[pair.SessionID] = auth.SessionState{Active: true, UserID: owner, Role: kernel.RoleAdmin}
		if c, err := e.svc.Authenticate(context.Background(), pair.AccessToken); !errors.Is(err, auth.ErrInvalidToken) || c != (auth.Claims{}) {
			t.Errorf("%s session: %+v, %v; want ErrInvalidToken", name, c, err)
		}
	}
	e.status.States[pair.SessionID] = auth.SessionState{Active: false, UserID: acc.ID, Role: kernel.RoleUser}
	if c, err := e.svc.Authenticate(context.Background(), pair.AccessToken); !errors.Is(err, auth.ErrInvalidToken) || c != (auth.Claims{}) {
		t.Errorf("revoked session: %+v, %v; want ErrInvalidToken", c, err)
	}
	boom := errors.New("redis and postgres down")
	e.status.Err = boom
	if _, err := e.svc.Authenticate(context.Background(), pair.AccessToken); !errors.Is(err, boom) || errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("status failure: %v, want it passed on, not ErrInvalidToken", err)
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "ann@example.com", "correct horse")
	keep := e.login(t, "ann@example.com", "correct horse")
	pair := e.login(t, "ann@example.com", "correct horse")
	actor := ports.Actor{UserID: acc.ID, SessionID: pair.SessionID}
	if err := e.svc.Logout(context.Background(), actor); err != nil {
		t.Fatal(err)
	}
	if s := e.store.Session(pair.SessionID); s.RevokedAt.IsZero() {
		t.Error("the session was not revoked")
	}
	if s := e.store.Session(keep.SessionID); !s.RevokedAt.IsZero() {
		t.Error("another session was revoked")
	}
	if got := e.broadcast.All(); !slices.Equal(got, []uuid.UUID{pair.SessionID}) {
		t.Errorf("invalidated %v", got)
	}
	if last := e.audit.Items()[len(e.audit.Items())-1]; last.Action != "auth.logout" || last.EntityID != pair.SessionID.String() {
		t.Errorf("audit = %+v", last)
	}
	if _, err := refresh(e, pair.RefreshToken); !errors.Is(err, auth.ErrInvalidRefreshToken) {
		t.Errorf("refresh after logout: %v", err)
	}
	if err := e.svc.Logout(context.Background(), actor); !errors.Is(err, auth.ErrSessionNotFound) {
		t.Errorf("second logout: %v, want ErrSessionNotFound", err)
	}
}

func TestLogoutAll(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "ann@example.com", "correct horse")
	bob := e.account(t, "bob@example.com", "correct horse")
	a1 := e.login(t, "ann@example.com", "correct horse")
	a2 := e.login(t, "ann@example.com", "correct horse")
	b1 := e.login(t, "bob@example.com", "correct horse")
	if err := e.svc.LogoutAll(context.Background(), ports.Actor{UserID: acc.ID, SessionID: a1.SessionID}); err != nil {
		t.Fatal(err)
	}
	if got, want := sortedIDs(e.broadcast.All()), sortedIDs([]uuid.UUID{a1.SessionID, a2.SessionID}); !slices.Equal(got, want) {
		t.Errorf("invalidated %v, want %v", got, want)
	}
	for _, id := range []uuid.UUID{a1.SessionID, a2.SessionID} {
		if s := e.store.Session(id); s.RevokedAt.IsZero() || s.RevokeReason != "logout_all" {
			t.Errorf("session %s = %+v", id, s)
		}
	}
	if s := e.store.Session(b1.SessionID); !s.RevokedAt.IsZero() {
		t.Errorf("another user's session was revoked (%s)", bob.ID)
	}
	if last := e.audit.Items()[len(e.audit.Items())-1]; last.Action != "auth.logout_all" || last.EntityID != acc.ID.String() {
		t.Errorf("audit = %+v", last)
	}
}

func TestLogoutAllRollbackDoesNotBroadcast(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "ann@example.com", "correct horse")
	pair := e.login(t, "ann@example.com", "correct horse")
	auditDown := errors.New("audit down")
	e.audit.Fail(auditDown)
	if err := e.svc.LogoutAll(context.Background(), ports.Actor{UserID: acc.ID, SessionID: pair.SessionID}); !errors.Is(err, auditDown) {
		t.Fatalf("error = %v", err)
	}
	if len(e.broadcast.All()) != 0 {
		t.Errorf("broadcast %v although the transaction rolled back", e.broadcast.All())
	}
	if s := e.store.Session(pair.SessionID); !s.RevokedAt.IsZero() {
		t.Error("the revocation survived the rollback")
	}
}

func TestRevokeSession(t *testing.T) {
	e := newEnv(t)
	ann := e.account(t, "ann@example.com", "correct horse")
	bob := e.account(t, "bob@example.com", "correct horse")
	annPair := e.login(t, "ann@example.com", "correct horse")
	bobPair := e.login(t, "bob@example.com", "correct horse")

	if err := e.svc.RevokeSession(context.Background(), signedIn(ann.ID), bobPair.SessionID); !errors.Is(err, auth.ErrSessionNotFound) {
		t.Errorf("another user's session: %v, want ErrSessionNotFound", err)
	}
	if err := e.svc.RevokeSession(context.Background(), signedIn(ann.ID), kernel.NewID()); !errors.Is(err, auth.ErrSessionNotFound) {
		t.Errorf("unknown session: %v, want ErrSessionNotFound", err)
	}
	if s := e.store.Session(bobPair.SessionID); !s.RevokedAt.IsZero() || len(e.broadcast.All()) != 0 {
		t.Fatalf("a refused revocation had effects: %+v, %v", s, e.broadcast.All())
	}
	if err := e.svc.RevokeSession(context.Background(), signedIn(bob.ID), bobPair.SessionID); err != nil {
		t.Fatal(err)
	}
	if last := e.audit.Items()[len(e.audit.Items())-1]; last.Action != "auth.session_revoked" {
		t.Errorf("audit = %+v", last)
	}
	if got := e.broadcast.All(); !slices.Equal(got, []uuid.UUID{bobPair.SessionID}) {
		t.Errorf("invalidated %v", got)
	}
	e.clock.Advance(lifetimes.Idle)
	if err := e.svc.RevokeSession(context.Background(), signedIn(ann.ID), annPair.SessionID); !errors.Is(err, auth.ErrSessionNotFound) {
		t.Errorf("idle session: %v, want ErrSessionNotFound", err)
	}
}

func TestRevokeSessionDoesNotMaskInfrastructureErrors(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "ann@example.com", "correct horse")
	pair := e.login(t, "ann@example.com", "correct horse")
	boom := errors.New("db down")
	e.store.SessionErr = boom
	if err := e.svc.RevokeSession(context.Background(), signedIn(acc.ID), pair.SessionID); !errors.Is(err, boom) {
		t.Errorf("error = %v, want %v", err, boom)
	}
}

func TestSessionsListsActiveNewestFirst(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "ann@example.com", "correct horse")
	old := e.login(t, "ann@example.com", "correct horse")
	e.clock.Advance(time.Minute)
	revoked := e.login(t, "ann@example.com", "correct horse")
	e.clock.Advance(time.Minute)
	recent := e.login(t, "ann@example.com", "correct horse")
	if err := e.svc.RevokeSession(context.Background(), signedIn(acc.ID), revoked.SessionID); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.Sessions(context.Background(), signedIn(acc.ID))
	if err != nil || len(got) != 2 || got[0].ID() != recent.SessionID || got[1].ID() != old.SessionID {
		t.Errorf("Sessions = %v, %v; want [recent, old]", got, err)
	}
}

// A session unused for the idle lifetime is over, although the store still holds it as
// unrevoked and unexpired: the list leaves it out.
func TestSessionsLeavesIdleOnesOut(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "ann@example.com", "correct horse")
	idle := e.login(t, "ann@example.com", "correct horse")
	e.clock.Advance(lifetimes.Idle - time.Minute)
	recent := e.login(t, "ann@example.com", "correct horse")
	got, err := e.svc.Sessions(context.Background(), signedIn(acc.ID))
	if err != nil || len(got) != 2 {
		t.Fatalf("before the idle limit: %v, %v; want both", got, err)
	}
	e.clock.Advance(2 * time.Minute)
	got, err = e.svc.Sessions(context.Background(), signedIn(acc.ID))
	if err != nil || len(got) != 1 || got[0].ID() != recent.SessionID {
		t.Errorf("Sessions = %v, %v; want only the recent one, not %s", got, err, idle.SessionID)
	}
}

func TestAccessForUserContext(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "ann@example.com", "correct horse")
	p1 := e.login(t, "ann@example.com", "correct horse")
	p2 := e.login(t, "ann@example.com", "correct horse")
	both := sortedIDs([]uuid.UUID{p1.SessionID, p2.SessionID})

	// InvalidateSessions broadcasts after commit without revoking.
	err := e.tx.Do(context.Background(), func(ctx context.Context) error {
		if err := e.svc.InvalidateSessions(ctx, acc.ID); err != nil {
			return err
		}
		if len(e.broadcast.All()) != 0 {
			t.Error("broadcast before commit")
		}
		return nil
	})
	if err != nil || !slices.Equal(sortedIDs(e.broadcast.All()), both) {
		t.Fatalf("InvalidateSessions: %v, invalidated %v", err, e.broadcast.All())
	}
	if s := e.store.Session(p1.SessionID); !s.RevokedAt.IsZero() {
		t.Error("InvalidateSessions revoked a session")
	}

	// RevokeSessions inside a failing transaction: nothing revoked, nothing broadcast.
	e.broadcast.Reset()
	boom := errors.New("later step failed")
	err = e.tx.Do(context.Background(), func(ctx context.Context) error {
		if err := e.svc.RevokeSessions(ctx, acc.ID, "account_disabled"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || len(e.broadcast.All()) != 0 || !e.store.Session(p1.SessionID).RevokedAt.IsZero() {
		t.Fatalf("rolled back RevokeSessions: %v, invalidated %v", err, e.broadcast.All())
	}
	if err := e.tx.Do(context.Background(), func(ctx context.Context) error {
		return e.svc.RevokeSessions(ctx, acc.ID, "account_disabled")
	}); err != nil {
		t.Fatal(err)
	}
	if s := e.store.Session(p2.SessionID); s.RevokeReason != "account_disabled" || !slices.Equal(sortedIDs(e.broadcast.All()), both) {
		t.Errorf("RevokeSessions: %+v, invalidated %v", s, e.broadcast.All())
	}

	// EraseCredentials removes the password and every session.
	e.broadcast.Reset()
	if err := e.tx.Do(context.Background(), func(ctx context.Context) error { return e.svc.EraseCredentials(ctx, acc.ID) }); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.store.Passwords[acc.ID]; ok || len(e.store.Sessions) != 0 || !slices.Equal(sortedIDs(e.broadcast.All()), both) {
		t.Errorf("EraseCredentials left password %v, sessions %d; invalidated %v", ok, len(e.store.Sessions), e.broadcast.All())
	}
	if _, _, err := e.svc.Login(context.Background(), "ann@example.com", "correct horse", auth.Client{}); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Errorf("login after erasure: %v", err)
	}
}

// The purges remove what ended before now - idle lifetime (sessions with their refresh
// tokens; used or expired one-time tokens), nothing else, in bounded batches.
func TestPurges(t *testing.T) {
	e := newEnv(t)
	e.svc.PurgeBatch = 2
	cut := t0.Add(-lifetimes.Idle)
	old, recent := cut.Add(-time.Minute), cut.Add(time.Minute)
	uid := kernel.NewID()
	sessions := map[string]auth.SessionRecord{
		"expired long ago": {ExpiresAt: old},
		"revoked long ago": {ExpiresAt: t0.Add(time.Hour), RevokedAt: old},
		"expired, revoked": {ExpiresAt: old, RevokedAt: recent},
		"expired lately":   {ExpiresAt: recent},
		"revoked lately":   {ExpiresAt: t0.Add(time.Hour), RevokedAt: recent},
		"active":           {ExpiresAt: t0.Add(time.Hour)},
	}
	for name, r := range sessions {
		r.ID, r.UserID, r.CreatedAt, r.LastUsedAt = kernel.NewID(), uid, old.Add(-time.Hour), old
		e.store.Sessions[r.ID] = r
		e.store.Refresh = append(e.store.Refresh, auth.RefreshToken{ID: kernel.NewID(), SessionID: r.ID, Hash: []byte(name)})
		sessions[name] = r
	}
	tokens := []authtest.OneTime{
		{OneTimeToken: auth.OneTimeToken{Purpose: auth.PurposePasswordReset, ExpiresAt: old}},                       // gone
		{OneTimeToken: auth.OneTimeToken{Purpose: auth.PurposeEmailVerify, ExpiresAt: t0}, Used: true, UsedAt: old}, // gone
		{OneTimeToken: auth.OneTimeToken{Purpose: auth.PurposeEmailVerify, ExpiresAt: t0}, Used: true, UsedAt: recent},
		{OneTimeToken: auth.OneTimeToken{Purpose: auth.PurposePasswordReset, ExpiresAt: recent}},
		{OneTimeToken: auth.OneTimeToken{Purpose: auth.PurposePasswordReset, ExpiresAt: t0.Add(time.Hour)}},
	}
	for i := range tokens {
		tokens[i].ID, tokens[i].UserID = kernel.NewID(), uid
	}
	e.store.OneTime = append(e.store.OneTime, tokens...)

	if n, err := e.svc.PurgeSessions(context.Background()); err != nil || n != 3 {
		t.Fatalf("PurgeSessions = %d, %v; want 3", n, err)
	}
	for name, r := range sessions {
		_, kept := e.store.Sessions[r.ID]
		if want := !strings.Contains(name, "long ago") && name != "expired, revoked"; kept != want {
			t.Errorf("session %q kept = %v, want %v", name, kept, want)
		}
	}
	if len(e.store.Refresh) != 3 {
		t.Errorf("%d refresh tokens left, want the 3 of the kept sessions", len(e.store.Refresh))
	}
	if n, err := e.svc.PurgeTokens(context.Background()); err != nil || n != 2 {
		t.Fatalf("PurgeTokens = %d, %v; want 2", n, err)
	}
	if len(e.store.OneTime) != 3 || e.store.OneTime[0].ID != tokens[2].ID {
		t.Errorf("one-time tokens left: %+v, want the last 3", e.store.OneTime)
	}
	for _, at := range e.store.Purged {
		if !at.Equal(cut) {
			t.Errorf("purged before %v, want now - idle = %v", at, cut)
		}
	}
	// Idempotent: nothing more to do.
	if n, err := e.svc.PurgeSessions(context.Background()); err != nil || n != 0 {
		t.Errorf("second PurgeSessions = %d, %v", n, err)
	}
}

// One run deletes at most PurgeBatches batches; the next run goes on.
func TestPurgeIsBounded(t *testing.T) {
	e := newEnv(t)
	e.svc.PurgeBatch = 1
	for range auth.PurgeBatches + 5 {
		e.store.OneTime = append(e.store.OneTime, authtest.OneTime{OneTimeToken: auth.OneTimeToken{ID: kernel.NewID(), ExpiresAt: t0.Add(-lifetimes.Idle - time.Hour)}})
	}
	if n, err := e.svc.PurgeTokens(context.Background()); err != nil || n != auth.PurgeBatches {
		t.Fatalf("PurgeTokens = %d, %v; want %d", n, err, auth.PurgeBatches)
	}
	if n, err := e.svc.PurgeTokens(context.Background()); err != nil || n != 5 {
		t.Fatalf("second PurgeTokens = %d, %v; want 5", n, err)
	}
}
