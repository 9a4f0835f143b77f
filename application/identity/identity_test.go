package identity_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/keelhq/keel/application/identity"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/kernel/kerneltest"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/ports"
)

var client = auth.Client{UserAgent: "test", IP: "192.0.2.1"}

func (e *env) wroteNothing(t *testing.T) {
	t.Helper()
	if len(e.stored(t)) != 0 || len(e.store.Passwords) != 0 || len(e.store.Sessions) != 0 ||
		len(e.audit.Items()) != 0 || len(e.events.Events()) != 0 || len(e.jobs.Items()) != 0 {
		t.Errorf("something was written: users %d, passwords %d, sessions %d, audit %v, events %d, jobs %d",
			len(e.stored(t)), len(e.store.Passwords), len(e.store.Sessions), e.audit.Actions(), len(e.events.Events()), len(e.jobs.Items()))
	}
}

func TestRegisterValidatesAllFieldsAtOnce(t *testing.T) {
	tests := []struct {
		name string
		in   identity.NewAccount
		want map[string]string
	}{
		{"three bad fields", identity.NewAccount{Email: "not-an-email", Password: "short", Name: ""},
			map[string]string{"email": "invalid_email", "password": "invalid_password", "name": "validation_required"}},
		{"bad locale too", identity.NewAccount{Email: "", Password: "", Name: "Ann", Locale: "fr"},
			map[string]string{"email": "validation_required", "password": "validation_required", "locale": "invalid_locale"}},
		{"role cannot be chosen", identity.NewAccount{Email: "a@example.com", Password: "long enough", Name: "Ann", Role: "root"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			pair, u, err := e.reg.Register(context.Background(), tt.in, client)
			if tt.want == nil {
				if err != nil || u.Role() != kernel.RoleUser {
					t.Fatalf("Register = %v, %v; want a plain user", u, err)
				}
				return
			}
			got := kerneltest.FieldCodes(t, err)
			if len(got) != len(tt.want) {
				t.Fatalf("errors = %v, want %v", got, tt.want)
			}
			for f, c := range tt.want {
				if got[f] != c {
					t.Errorf("errors[%q] = %q, want %q", f, got[f], c)
				}
			}
			if u != nil || pair != (auth.TokenPair{}) || e.transactions() != 0 {
				t.Error("an invalid registration went on")
			}
			e.wroteNothing(t)
		})
	}
}

func TestRegister(t *testing.T) {
	e := newEnv(t)
	pair, u, err := e.reg.Register(context.Background(), identity.NewAccount{
		Email: " Ann@Example.com", Password: "correct horse", Name: " Ann ", Role: "admin",
	}, client)
	if err != nil {
		t.Fatal(err)
	}
	if e.transactions() != 1 || e.tx.Rollbacks() != 0 {
		t.Errorf("transactions %d (rollbacks %d), want everything in one", e.transactions(), e.tx.Rollbacks())
	}
	if u.Email() != "ann@example.com" || u.Name() != "Ann" || u.Role() != kernel.RoleUser || u.Locale() != kernel.LocaleEN || !u.Active() {
		t.Errorf("user = %+v", u.Record())
	}
	if rec, ok := e.stored(t)[u.ID()]; !ok || rec != u.Record() {
		t.Errorf("stored user = %+v", rec)
	}
	if e.store.Passwords[u.ID()] != "hash:correct horse" {
		t.Errorf("password = %q", e.store.Passwords[u.ID()])
	}
	sess, ok := e.store.Sessions[pair.SessionID]
	if !ok || sess.UserID != u.ID() || sess.UserAgent != "test" || len(e.store.Refresh) != 1 || pair.RefreshToken == "" {
		t.Errorf("session = %+v, pair = %+v", sess, pair)
	}
	if len(e.jobs.Items()) != 1 || e.jobs.Items()[0] != (auth.SendEmailVerification{UserID: u.ID()}) {
		t.Errorf("jobs = %+v", e.jobs.Items())
	}
	if got := e.audit.Actions(); !slices.Equal(got, []string{"user.registered", "auth.login"}) {
		t.Errorf("audit = %v", got)
	}
	for _, a := range e.audit.Items() {
		if a.ActorID != u.ID() {
			t.Errorf("audit %s has actor %s, want the new user", a.Action, a.ActorID)
		}
		for f := range a.Changes {
			if strings.Contains(strings.ToLower(f), "password") {
				t.Errorf("audit %s records secret field %q", a.Action, f)
			}
		}
	}
	if len(e.events.Events()) != 1 || e.events.Names()[0] != "user.registered" {
		t.Errorf("events = %+v", e.events.Names())
	}
}

func TestRegisterRollsBackTogether(t *testing.T) {
	e := newEnv(t)
	boom := errors.New("queue down")
	e.jobs.Err = boom
	_, u, err := e.reg.Register(context.Background(), identity.NewAccount{
		Email: "ann@example.com", Password: "correct horse", Name: "Ann", Locale: "de",
	}, client)
	if !errors.Is(err, boom) || u != nil {
		t.Fatalf("Register = %v, %v; want %v", u, err, boom)
	}
	e.wroteNothing(t)
}

func TestRegisterDuplicateEmail(t *testing.T) {
	e := newEnv(t)
	in := identity.NewAccount{Email: "ann@example.com", Password: "correct horse", Name: "Ann"}
	if _, _, err := e.reg.Register(context.Background(), in, client); err != nil {
		t.Fatal(err)
	}
	before := len(e.audit.Items())
	in.Email = "ANN@example.com"
	_, u, err := e.reg.Register(context.Background(), in, client)
	if !errors.Is(err, user.ErrEmailTaken) || u != nil {
		t.Fatalf("Register = %v, %v; want ErrEmailTaken", u, err)
	}
	if ke, ok := kernel.AsError(err); !ok || ke.Code() != "email_taken" || ke.Kind() != kernel.KindConflict {
		t.Errorf("error %v does not carry email_taken/conflict", err)
	}
	if len(e.stored(t)) != 1 || len(e.store.Passwords) != 1 || len(e.store.Sessions) != 1 || len(e.audit.Items()) != before {
		t.Error("the refused registration wrote something")
	}
}

func TestCreateAccount(t *testing.T) {
	e := newEnv(t)
	u, err := e.reg.CreateAccount(context.Background(), identity.NewAccount{
		Email: "root@example.com", Password: "correct horse", Name: "Root", Role: "admin", Locale: "es",
	})
	if err != nil {
		t.Fatal(err)
	}
	if u.Role() != kernel.RoleAdmin || u.Locale() != kernel.LocaleES || e.stored(t)[u.ID()].Role != "admin" {
		t.Errorf("user = %+v", u.Record())
	}
	if e.store.Passwords[u.ID()] != "hash:correct horse" || len(e.store.Sessions) != 0 || len(e.jobs.Items()) != 0 {
		t.Errorf("password %q, sessions %d, jobs %v; want a password only", e.store.Passwords[u.ID()], len(e.store.Sessions), e.jobs.Items())
	}
	if e.transactions() != 1 {
		t.Errorf("transactions = %d", e.transactions())
	}

	_, err = e.reg.CreateAccount(context.Background(), identity.NewAccount{Email: "x@example.com", Password: "correct horse", Name: "X", Role: "root"})
	if got := kerneltest.FieldCodes(t, err); len(got) != 1 || got["role"] != "invalid_role" {
		t.Errorf("bad role: %v", got)
	}
	_, err = e.reg.CreateAccount(context.Background(), identity.NewAccount{Email: "root@example.com", Password: "correct horse", Name: "Again"})
	if !errors.Is(err, user.ErrEmailTaken) {
		t.Errorf("duplicate: %v, want ErrEmailTaken", err)
	}
	if len(e.stored(t)) != 1 {
		t.Errorf("users = %d, want 1", len(e.stored(t)))
	}
}

func TestAccounts(t *testing.T) {
	e := newEnv(t)
	u, err := e.reg.CreateAccount(context.Background(), identity.NewAccount{
		Email: "ann@example.com", Password: "correct horse", Name: "Ann", Locale: "de",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := auth.Account{ID: u.ID(), Email: "ann@example.com", Role: kernel.RoleUser, Locale: kernel.LocaleDE, Active: true}
	if got, err := e.accounts.ByEmail(context.Background(), "ann@example.com"); err != nil || got != want {
		t.Errorf("ByEmail = %+v, %v; want %+v", got, err, want)
	}
	if got, err := e.accounts.ByID(context.Background(), u.ID()); err != nil || got != want {
		t.Errorf("ByID = %+v, %v", got, err)
	}
	if _, err := e.accounts.ByEmail(context.Background(), "nobody@example.com"); !errors.Is(err, auth.ErrAccountNotFound) {
		t.Errorf("unknown e-mail: %v, want auth.ErrAccountNotFound", err)
	}
	if _, err := e.accounts.ByID(context.Background(), kernel.NewID()); !errors.Is(err, auth.ErrAccountNotFound) {
		t.Errorf("unknown id: %v", err)
	}
	if err := e.auth.WorkEmailVerification(context.Background(), auth.SendEmailVerification{UserID: u.ID()}); err != nil {
		t.Fatal(err)
	}
	if err := e.verify.VerifyEmail(context.Background(), e.mail.LastToken(t)); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.accounts.ByID(context.Background(), u.ID()); !got.EmailVerified {
		t.Error("the address is not verified")
	}
}

// signIn registers an account and returns it with its session id.
func signIn(t *testing.T, e *env, email string, role kernel.Role) (*user.User, uuid.UUID) {
	t.Helper()
	u, err := e.reg.CreateAccount(context.Background(), identity.NewAccount{Email: email, Password: "correct horse", Name: "N", Role: string(role)})
	if err != nil {
		t.Fatal(err)
	}
	pair, _, err := e.auth.Login(context.Background(), email, "correct horse", client)
	if err != nil {
		t.Fatal(err)
	}
	return u, pair.SessionID
}

func TestAccessThroughUserActions(t *testing.T) {
	e := newEnv(t)
	admin, adminSession := signIn(t, e, "admin@example.com", kernel.RoleAdmin)
	u, sid := signIn(t, e, "ann@example.com", kernel.RoleUser)
	actor := ports.Actor{UserID: admin.ID(), SessionID: adminSession, Role: kernel.RoleAdmin}
	ctx := ports.WithActor(context.Background(), actor)

	if _, err := e.users.AdminUpdate(ctx, actor, u.ID(), user.AdminChange{Role: ptr("admin")}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(e.broadcast.All(), []uuid.UUID{sid}) || !e.store.Sessions[sid].RevokedAt.IsZero() {
		t.Errorf("role change: invalidated %v, session %+v; want invalidated, not revoked", e.broadcast.All(), e.store.Sessions[sid])
	}
	e.broadcast.Reset()
	if _, err := e.users.AdminUpdate(ctx, actor, u.ID(), user.AdminChange{Status: ptr("disabled")}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(e.broadcast.All(), []uuid.UUID{sid}) || e.store.Sessions[sid].RevokeReason != "account_disabled" {
		t.Errorf("disabling: invalidated %v, session %+v", e.broadcast.All(), e.store.Sessions[sid])
	}
	e.broadcast.Reset()
	if err := e.users.Delete(ctx, actor, u.ID()); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.store.Passwords[u.ID()]; ok || len(e.store.Sessions) != 1 || e.store.Sessions[adminSession].UserID != admin.ID() || !slices.Equal(e.broadcast.All(), []uuid.UUID{sid}) {
		t.Errorf("deletion left password %v, sessions %d; invalidated %v", ok, len(e.store.Sessions), e.broadcast.All())
	}
}

func ptr[T any](v T) *T { return &v }
