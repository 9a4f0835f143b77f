package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/ports"
)

// untouchable is an auth.Store and auth.Accounts that fails the test on any call: the
// storage of an action that must refuse before reading or writing anything.
type untouchable struct{ t *testing.T }

var errTouched = errors.New("storage touched")

func (u untouchable) touched(method string) error {
	u.t.Helper()
	u.t.Errorf("%s called", method)
	return errTouched
}

func (u untouchable) ByEmail(context.Context, kernel.Email) (auth.Account, error) {
	return auth.Account{}, u.touched("Accounts.ByEmail")
}

func (u untouchable) ByID(context.Context, uuid.UUID) (auth.Account, error) {
	return auth.Account{}, u.touched("Accounts.ByID")
}

func (u untouchable) SetPassword(context.Context, uuid.UUID, string, time.Time) error {
	return u.touched("SetPassword")
}

func (u untouchable) PasswordHash(context.Context, uuid.UUID) (string, error) {
	return "", u.touched("PasswordHash")
}

func (u untouchable) DeleteCredentials(context.Context, uuid.UUID) error {
	return u.touched("DeleteCredentials")
}

func (u untouchable) CreateSession(context.Context, *auth.Session) error {
	return u.touched("CreateSession")
}

func (u untouchable) SessionForUpdate(context.Context, uuid.UUID) (*auth.Session, error) {
	return nil, u.touched("SessionForUpdate")
}

func (u untouchable) ActiveSessions(context.Context, uuid.UUID, time.Time) ([]*auth.Session, error) {
	return nil, u.touched("ActiveSessions")
}

func (u untouchable) TouchSession(context.Context, uuid.UUID, time.Time) error {
	return u.touched("TouchSession")
}

func (u untouchable) RevokeSessions(context.Context, uuid.UUID, uuid.UUID, string, time.Time) ([]*auth.Session, error) {
	return nil, u.touched("RevokeSessions")
}

func (u untouchable) RevokeSession(context.Context, uuid.UUID, string, time.Time) (bool, error) {
	return false, u.touched("RevokeSession")
}

func (u untouchable) DeleteSessions(context.Context, uuid.UUID) ([]uuid.UUID, error) {
	return nil, u.touched("DeleteSessions")
}

func (u untouchable) CreateRefreshToken(context.Context, auth.RefreshToken) error {
	return u.touched("CreateRefreshToken")
}

func (u untouchable) RefreshTokenForUpdate(context.Context, []byte) (auth.RefreshToken, error) {
	return auth.RefreshToken{}, u.touched("RefreshTokenForUpdate")
}

func (u untouchable) SpendRefreshToken(context.Context, uuid.UUID, time.Time) error {
	return u.touched("SpendRefreshToken")
}

func (u untouchable) CreateOneTimeToken(context.Context, auth.OneTimeToken) error {
	return u.touched("CreateOneTimeToken")
}

func (u untouchable) ConsumeOneTimeToken(context.Context, []byte, string, time.Time) (uuid.UUID, error) {
	return uuid.Nil, u.touched("ConsumeOneTimeToken")
}

func (u untouchable) PurgeSessions(context.Context, time.Time, int) (int64, error) {
	return 0, u.touched("PurgeSessions")
}

func (u untouchable) PurgeOneTimeTokens(context.Context, time.Time, int) (int64, error) {
	return 0, u.touched("PurgeOneTimeTokens")
}

var (
	_ auth.Store    = untouchable{}
	_ auth.Accounts = untouchable{}
)

// TestSignedInActionsRefuseOtherActors: each action on the actor's own sessions and
// credentials refuses an actor that is not signed in (no account, no session) with
// ErrInvalidToken before it reads or writes anything.
func TestSignedInActionsRefuseOtherActors(t *testing.T) {
	actions := map[string]func(*auth.Service, ports.Actor) error{
		"Sessions": func(s *auth.Service, a ports.Actor) error {
			got, err := s.Sessions(context.Background(), a)
			if got != nil {
				t.Errorf("Sessions returned %v with %v", got, err)
			}
			return err
		},
		"RevokeSession": func(s *auth.Service, a ports.Actor) error {
			return s.RevokeSession(context.Background(), a, kernel.NewID())
		},
		"Logout":    func(s *auth.Service, a ports.Actor) error { return s.Logout(context.Background(), a) },
		"LogoutAll": func(s *auth.Service, a ports.Actor) error { return s.LogoutAll(context.Background(), a) },
		"ChangePassword": func(s *auth.Service, a ports.Actor) error {
			return s.ChangePassword(context.Background(), a, "correct horse", "new password")
		},
		"RequestEmailVerification": func(s *auth.Service, a ports.Actor) error {
			return s.RequestEmailVerification(context.Background(), a)
		},
	}
	actors := map[string]ports.Actor{
		"zero actor":       {},
		"no session":       {UserID: kernel.NewID(), Role: kernel.RoleUser},
		"no account":       {SessionID: kernel.NewID(), Role: kernel.RoleAdmin},
		"admin role alone": {Role: kernel.RoleAdmin},
	}
	for action, call := range actions {
		for who, actor := range actors {
			t.Run(action+" as "+who, func(t *testing.T) {
				e := newEnv(t)
				deps := e.svc.Deps
				deps.Store, deps.Accounts = untouchable{t}, untouchable{t}
				svc, err := auth.NewService(deps)
				if err != nil {
					t.Fatal(err)
				}
				if err := call(svc, actor); !errors.Is(err, auth.ErrInvalidToken) {
					t.Fatalf("error = %v, want ErrInvalidToken", err)
				}
				if e.tx.Commits()+e.tx.Rollbacks() != 0 || len(e.audit.Items()) != 0 || len(e.events.Events()) != 0 ||
					len(e.broadcast.All()) != 0 || len(e.jobs.Items()) != 0 || e.hasher.Hashes() != 0 || len(e.hasher.Verified()) != 0 {
					t.Errorf("a refused action left traces: tx %d/%d, audit %v, events %v, broadcast %v, jobs %v",
						e.tx.Commits(), e.tx.Rollbacks(), e.audit.Actions(), e.events.Names(), e.broadcast.All(), e.jobs.Items())
				}
			})
		}
	}
}

// TestSessionsOfAnotherUserStayHidden: a signed-in user can neither list nor revoke
// (nor log out of) another user's session: it is not found, and nothing changes.
func TestSessionsOfAnotherUserStayHidden(t *testing.T) {
	e := newEnv(t)
	ann := e.account(t, "ann@example.com", "correct horse")
	e.account(t, "bob@example.com", "correct horse")
	annPair := e.login(t, "ann@example.com", "correct horse")
	bobPair := e.login(t, "bob@example.com", "correct horse")
	before, audits := e.store.State(), len(e.audit.Items())
	annActor := ports.Actor{UserID: ann.ID, SessionID: annPair.SessionID, Role: kernel.RoleUser}
	// Even an administrator revokes only their own sessions through these actions.
	annAdmin := annActor
	annAdmin.Role = kernel.RoleAdmin

	for name, actor := range map[string]ports.Actor{"user": annActor, "admin": annAdmin} {
		if err := e.svc.RevokeSession(context.Background(), actor, bobPair.SessionID); !errors.Is(err, auth.ErrSessionNotFound) {
			t.Errorf("%s revoking another user's session: %v, want ErrSessionNotFound", name, err)
		}
		// An actor claiming another user's session id still acts as themselves.
		forged := actor
		forged.SessionID = bobPair.SessionID
		if err := e.svc.Logout(context.Background(), forged); !errors.Is(err, auth.ErrSessionNotFound) {
			t.Errorf("%s logging out of another user's session: %v, want ErrSessionNotFound", name, err)
		}
		got, err := e.svc.Sessions(context.Background(), actor)
		if err != nil || len(got) != 1 || got[0].ID() != annPair.SessionID {
			t.Errorf("%s's sessions = %v, %v; want only their own", name, got, err)
		}
	}
	if !e.store.SameAs(before) || len(e.audit.Items()) != audits || len(e.events.Events()) != 0 || len(e.broadcast.All()) != 0 {
		t.Errorf("refused revocations left traces: audit %v, events %v, broadcast %v",
			e.audit.Actions()[audits:], e.events.Names(), e.broadcast.All())
	}
}
