package auth_test

import (
	"context"
	"errors"
	"testing"

	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/ports"
)

var errBoom = errors.New("boom")

// fixture is an account with two sessions, for failure tests.
type fixture struct {
	e     *env
	acc   auth.Account
	pair  auth.TokenPair // an active session of acc
	spent auth.TokenPair // a second session whose first refresh token was spent
}

// TestFailuresPropagateAndRollBack breaks one dependency at a time: the action must return
// that error (not a domain sentinel), write nothing, publish nothing and broadcast nothing.
func TestFailuresPropagateAndRollBack(t *testing.T) {
	boom := errBoom
	tests := []struct {
		name   string
		inject func(*env)
		act    func(fixture) error
	}{
		{"login: create session", storeFails("CreateSession"), func(f fixture) error {
			_, _, err := f.e.svc.Login(context.Background(), "ann@example.com", "correct horse", auth.Client{})
			return err
		}},
		{"login: create refresh token", storeFails("CreateRefreshToken"), func(f fixture) error {
			_, _, err := f.e.svc.Login(context.Background(), "ann@example.com", "correct horse", auth.Client{})
			return err
		}},
		{"login: issue access token", func(e *env) { e.tokens.Err = boom }, func(f fixture) error {
			_, _, err := f.e.svc.Login(context.Background(), "ann@example.com", "correct horse", auth.Client{})
			return err
		}},
		{"login: rehash", func(e *env) { e.hasher.Rehash, e.hasher.HashErr = true, boom }, func(f fixture) error {
			_, _, err := f.e.svc.Login(context.Background(), "ann@example.com", "correct horse", auth.Client{})
			return err
		}},
		{"refresh: spend", storeFails("SpendRefreshToken"), refreshOf},
		{"refresh: touch", storeFails("TouchSession"), refreshOf},
		{"refresh: rotate", storeFails("CreateRefreshToken"), refreshOf},
		{"refresh: audit", func(e *env) { e.audit.Fail(boom) }, refreshOf},
		{"refresh: issue", func(e *env) { e.tokens.Err = boom }, refreshOf},
		{"reuse: revoke", storeFails("RevokeSession"), func(f fixture) error {
			_, err := f.e.svc.Refresh(context.Background(), f.spent.RefreshToken, auth.Client{})
			return err
		}},
		{"logout all: revoke", storeFails("RevokeSessions"), func(f fixture) error {
			return f.e.svc.LogoutAll(context.Background(), ports.Actor{UserID: f.acc.ID, SessionID: f.pair.SessionID})
		}},
		{"revoke session: store", storeFails("RevokeSession"), func(f fixture) error {
			return f.e.svc.RevokeSession(context.Background(), ports.Actor{UserID: f.acc.ID, SessionID: f.spent.SessionID}, f.pair.SessionID)
		}},
		{"change password: hash", func(e *env) { e.hasher.HashErr = boom }, changePassword},
		{"change password: store", storeFails("SetPassword"), changePassword},
		{"change password: revoke", storeFails("RevokeSessions"), changePassword},
		{"change password: read hash", storeFails("PasswordHash"), changePassword},
		{"change password: verify", func(e *env) { e.hasher.VerifyErr = boom }, changePassword},
		{"reset job: store token", storeFails("CreateOneTimeToken"), func(f fixture) error {
			return f.e.svc.WorkPasswordReset(context.Background(), auth.SendPasswordReset{Email: f.acc.Email})
		}},
		{"invalidate: list", storeFails("ActiveSessions"), func(f fixture) error {
			return f.e.svc.InvalidateSessions(context.Background(), f.acc.ID)
		}},
		{"erase: credentials", storeFails("DeleteCredentials"), eraseOf},
		{"erase: sessions", storeFails("DeleteSessions"), eraseOf},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			f := fixture{e: e, acc: e.account(t, "ann@example.com", "correct horse")}
			f.pair = e.login(t, "ann@example.com", "correct horse")
			f.spent = e.login(t, "ann@example.com", "correct horse")
			if _, err := refresh(e, f.spent.RefreshToken); err != nil {
				t.Fatal(err)
			}
			before := e.store.State()
			audits := len(e.audit.Items())
			tt.inject(e)
			if err := tt.act(f); !errors.Is(err, boom) {
				t.Fatalf("error = %v, want %v", err, boom)
			}
			if !e.store.SameAs(before) || len(e.audit.Items()) != audits || len(e.broadcast.All()) != 0 || len(e.events.Events()) != 0 {
				t.Errorf("a failed action left traces: audit %v, invalidated %v, events %v",
					e.audit.Actions()[audits:], e.broadcast.All(), e.events.Names())
			}
		})
	}
}

func storeFails(method string) func(*env) {
	return func(e *env) { e.store.Fail = map[string]error{method: errBoom} }
}

func refreshOf(f fixture) error {
	_, err := f.e.svc.Refresh(context.Background(), f.pair.RefreshToken, auth.Client{})
	return err
}

func changePassword(f fixture) error {
	return f.e.svc.ChangePassword(context.Background(), ports.Actor{UserID: f.acc.ID, SessionID: f.pair.SessionID}, "correct horse", "new password")
}

func eraseOf(f fixture) error {
	return f.e.tx.Do(context.Background(), func(ctx context.Context) error { return f.e.svc.EraseCredentials(ctx, f.acc.ID) })
}
