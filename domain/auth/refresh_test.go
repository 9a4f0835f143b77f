package auth_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/auth"
)

func refresh(e *env, token string) (auth.TokenPair, error) {
	return e.svc.Refresh(context.Background(), token, auth.Client{UserAgent: "test"})
}

func TestRefreshRotates(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "ann@example.com", "correct horse")
	first := e.login(t, "ann@example.com", "correct horse")
	e.clock.Advance(time.Hour)

	second, err := refresh(e, first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if second.SessionID != first.SessionID || second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
		t.Errorf("refresh returned %+v after %+v; want a new pair for the same session", second, first)
	}
	if c, err := e.tokens.Verify(second.AccessToken); err != nil || c.UserID != acc.ID || !c.IssuedAt.Equal(e.clock.Now()) {
		t.Errorf("new access claims = %+v, %v", c, err)
	}
	if sess := e.store.Session(first.SessionID); !sess.LastUsedAt.Equal(e.clock.Now()) {
		t.Errorf("lastUsedAt = %v, want %v", sess.LastUsedAt, e.clock.Now())
	}
	if got := e.audit.Actions(); !slices.Equal(got, []string{"auth.login", "auth.token_refreshed"}) {
		t.Errorf("audit = %v", got)
	}
	if spent := e.store.Refresh[0]; spent.SpentAt.IsZero() {
		t.Errorf("the first token was not spent")
	}

	third, err := refresh(e, second.RefreshToken)
	if err != nil || third.SessionID != first.SessionID {
		t.Fatalf("the rotated token does not work: %+v, %v", third, err)
	}
	if len(e.broadcast.All()) != 0 {
		t.Errorf("plain rotation broadcast %v", e.broadcast.All())
	}
}

func TestRefreshReuseRevokesTheSession(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "ann@example.com", "correct horse")
	other := e.login(t, "ann@example.com", "correct horse") // another sign-in, not descended from the leak
	first := e.login(t, "ann@example.com", "correct horse")
	second, err := refresh(e, first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	commits := e.tx.Commits()

	pair, err := refresh(e, first.RefreshToken)
	if !errors.Is(err, auth.ErrRefreshTokenReused) || pair != (auth.TokenPair{}) {
		t.Fatalf("replaying a spent token: %+v, %v; want ErrRefreshTokenReused", pair, err)
	}
	if e.tx.Commits() != commits+1 {
		t.Errorf("the revocation was not committed (commits %d -> %d)", commits, e.tx.Commits())
	}
	sess := e.store.Session(first.SessionID)
	if !sess.RevokedAt.Equal(e.clock.Now()) || sess.RevokeReason != "refresh_token_reused" {
		t.Errorf("session after reuse = %+v", sess)
	}
	if got := e.broadcast.All(); !slices.Equal(got, []uuid.UUID{first.SessionID}) {
		t.Errorf("invalidated %v, want [%s]", got, first.SessionID)
	}
	last := e.audit.Items()[len(e.audit.Items())-1]
	if last.Action != "auth.refresh_token_reused" || last.EntityID != first.SessionID.String() || last.ActorID != acc.ID {
		t.Errorf("audit record = %+v", last)
	}

	if _, err := refresh(e, second.RefreshToken); !errors.Is(err, auth.ErrInvalidRefreshToken) {
		t.Errorf("the newest token after reuse: %v, want ErrInvalidRefreshToken", err)
	}
	if _, err := refresh(e, other.RefreshToken); err != nil {
		t.Errorf("an unrelated session was affected: %v", err)
	}
}

func TestRefreshReuseRollbackDoesNotBroadcast(t *testing.T) {
	e := newEnv(t)
	e.account(t, "ann@example.com", "correct horse")
	first := e.login(t, "ann@example.com", "correct horse")
	if _, err := refresh(e, first.RefreshToken); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("audit down")
	e.audit.Fail(boom)
	if _, err := refresh(e, first.RefreshToken); !errors.Is(err, boom) {
		t.Fatalf("error = %v, want %v", err, boom)
	}
	if len(e.broadcast.All()) != 0 {
		t.Errorf("a rolled-back revocation was broadcast: %v", e.broadcast.All())
	}
	if sess := e.store.Session(first.SessionID); !sess.RevokedAt.IsZero() {
		t.Errorf("the revocation survived the rollback: %+v", sess)
	}
}

func TestRefreshRefusals(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, e *env, acc auth.Account, pair auth.TokenPair) string
	}{
		{"empty token", func(*testing.T, *env, auth.Account, auth.TokenPair) string { return "" }},
		{"unknown token", func(*testing.T, *env, auth.Account, auth.TokenPair) string { return "not-a-token" }},
		{"access token", func(_ *testing.T, _ *env, _ auth.Account, p auth.TokenPair) string { return p.AccessToken }},
		{"idle", func(_ *testing.T, e *env, _ auth.Account, p auth.TokenPair) string {
			e.clock.Advance(lifetimes.Idle)
			return p.RefreshToken
		}},
		{"absolute expiry", func(t *testing.T, e *env, _ auth.Account, p auth.TokenPair) string {
			tok := p.RefreshToken
			for e.clock.Now().Before(t0.Add(lifetimes.Absolute - lifetimes.Idle/2)) {
				e.clock.Advance(lifetimes.Idle / 2)
				next, err := refresh(e, tok)
				if err != nil {
					t.Fatalf("refresh at %v: %v", e.clock.Now(), err)
				}
				tok = next.RefreshToken
			}
			e.clock.Set(t0.Add(lifetimes.Absolute)) // used within the idle window, but too old
			return tok
		}},
		{"revoked", func(_ *testing.T, e *env, _ auth.Account, p auth.TokenPair) string {
			e.store.Sessions[p.SessionID] = func(s auth.SessionRecord) auth.SessionRecord { s.RevokedAt = t0; return s }(e.store.Sessions[p.SessionID])
			return p.RefreshToken
		}},
		{"disabled account", func(_ *testing.T, e *env, acc auth.Account, p auth.TokenPair) string {
			e.disable(acc.ID)
			return p.RefreshToken
		}},
		{"deleted account", func(_ *testing.T, e *env, acc auth.Account, p auth.TokenPair) string {
			delete(e.accounts.byID, acc.ID)
			return p.RefreshToken
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			acc := e.account(t, "ann@example.com", "correct horse")
			tok := tt.setup(t, e, acc, e.login(t, "ann@example.com", "correct horse"))
			audits, spent := len(e.audit.Items()), spentCount(e)
			pair, err := refresh(e, tok)
			if !errors.Is(err, auth.ErrInvalidRefreshToken) || pair != (auth.TokenPair{}) {
				t.Fatalf("Refresh = %+v, %v; want ErrInvalidRefreshToken", pair, err)
			}
			if len(e.audit.Items()) != audits || spentCount(e) != spent || len(e.broadcast.All()) != 0 {
				t.Errorf("a refused refresh left traces: audit %v", e.audit.Actions())
			}
		})
	}
}

func spentCount(e *env) int {
	n := 0
	for _, rt := range e.store.Refresh {
		if !rt.SpentAt.IsZero() {
			n++
		}
	}
	return n
}

func TestRefreshDoesNotMaskInfrastructureErrors(t *testing.T) {
	boom := errors.New("db down")
	for name, inject := range map[string]func(*env){
		"session lookup": func(e *env) { e.store.SessionErr = boom },
		"account lookup": func(e *env) { e.accounts.err = boom },
	} {
		e := newEnv(t)
		e.account(t, "ann@example.com", "correct horse")
		pair := e.login(t, "ann@example.com", "correct horse")
		inject(e)
		if _, err := refresh(e, pair.RefreshToken); !errors.Is(err, boom) {
			t.Errorf("%s failure: error = %v, want %v", name, err, boom)
		}
	}
}
