package auth_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/kernel/kerneltest"
	"github.com/keelhq/keel/ports"
)

func TestSetPassword(t *testing.T) {
	e := newEnv(t)
	id := kernel.NewID()
	err := e.svc.SetPassword(context.Background(), id, "short")
	if got := kerneltest.FieldCodes(t, err); got["password"] != "invalid_password" || len(got) != 1 {
		t.Errorf("errors = %v", got)
	}
	if err := e.svc.SetPassword(context.Background(), id, "long enough"); err != nil {
		t.Fatal(err)
	}
	if e.store.Passwords[id] != "hash:long enough" {
		t.Errorf("stored %q", e.store.Passwords[id])
	}
}

func TestChangePassword(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "ann@example.com", "old password")
	current := e.login(t, "ann@example.com", "old password")
	other := e.login(t, "ann@example.com", "old password")
	actor := ports.Actor{UserID: acc.ID, SessionID: current.SessionID}

	if err := e.svc.ChangePassword(context.Background(), actor, "old password", "new password"); err != nil {
		t.Fatal(err)
	}
	if e.store.Passwords[acc.ID] != "hash:new password" {
		t.Errorf("stored %q", e.store.Passwords[acc.ID])
	}
	if s := e.store.Session(current.SessionID); !s.RevokedAt.IsZero() {
		t.Error("the current session was revoked")
	}
	if s := e.store.Session(other.SessionID); s.RevokedAt.IsZero() || s.RevokeReason != "password_changed" {
		t.Errorf("other session = %+v", s)
	}
	if got := e.broadcast.All(); !slices.Equal(got, []uuid.UUID{other.SessionID}) {
		t.Errorf("invalidated %v, want the other session only", got)
	}
	last := e.audit.Items()[len(e.audit.Items())-1]
	if last.Action != "auth.password_changed" || last.EntityID != acc.ID.String() || len(last.Changes) != 0 {
		t.Errorf("audit = %+v (no secrets in changes)", last)
	}
	e.login(t, "ann@example.com", "new password")
}

func TestChangePasswordRefusals(t *testing.T) {
	tests := []struct {
		name, current, next string
		wantErr             error
		wantFields          map[string]string
	}{
		{"wrong current", "not my password", "new password", auth.ErrInvalidCurrentPassword, nil},
		{"short new", "old password", "short", nil, map[string]string{"new_password": "invalid_password"}},
		{"empty both", "", "", nil, map[string]string{"new_password": "validation_required", "current_password": "validation_required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			acc := e.account(t, "ann@example.com", "old password")
			pair := e.login(t, "ann@example.com", "old password")
			other := e.login(t, "ann@example.com", "old password")
			err := e.svc.ChangePassword(context.Background(), ports.Actor{UserID: acc.ID, SessionID: pair.SessionID}, tt.current, tt.next)
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if tt.wantFields != nil {
				got := kerneltest.FieldCodes(t, err)
				if len(got) != len(tt.wantFields) {
					t.Fatalf("errors = %v, want %v", got, tt.wantFields)
				}
				for f, c := range tt.wantFields {
					if got[f] != c {
						t.Errorf("errors[%q] = %q, want %q", f, got[f], c)
					}
				}
			}
			if e.store.Passwords[acc.ID] != "hash:old password" || !e.store.Session(other.SessionID).RevokedAt.IsZero() || len(e.broadcast.All()) != 0 {
				t.Error("a refused change had effects")
			}
		})
	}
}

func TestChangePasswordRollback(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "ann@example.com", "old password")
	pair := e.login(t, "ann@example.com", "old password")
	e.login(t, "ann@example.com", "old password")
	auditDown := errors.New("audit down")
	e.audit.Fail(auditDown)
	err := e.svc.ChangePassword(context.Background(), ports.Actor{UserID: acc.ID, SessionID: pair.SessionID}, "old password", "new password")
	if !errors.Is(err, auditDown) {
		t.Fatalf("error = %v", err)
	}
	if e.store.Passwords[acc.ID] != "hash:old password" || len(e.broadcast.All()) != 0 {
		t.Errorf("rolled back change: stored %q, invalidated %v", e.store.Passwords[acc.ID], e.broadcast.All())
	}
}

func TestForgotPassword(t *testing.T) {
	e := newEnv(t)
	active := e.account(t, "ann@example.com", "correct horse")
	disabled := e.account(t, "off@example.com", "correct horse")
	e.disable(disabled.ID)
	// The request never looks the address up: a broken account store does not show.
	e.accounts.err = errors.New("must not be asked")

	for _, email := range []string{"nobody@example.com", "off@example.com", " ANN@example.com"} {
		if err := e.svc.ForgotPassword(context.Background(), email); err != nil {
			t.Errorf("ForgotPassword(%s) = %v, want nil", email, err)
		}
	}
	want := []auth.SendPasswordReset{{Email: "nobody@example.com"}, {Email: "off@example.com"}, {Email: "ann@example.com"}}
	if jobs := e.jobs.Items(); len(jobs) != len(want) {
		t.Fatalf("jobs = %+v, want %+v", jobs, want)
	}
	for i, j := range e.jobs.Items() {
		if j != want[i] || j.Kind() != "auth.send_password_reset" {
			t.Errorf("job %d = %+v (%s), want %+v", i, j, j.Kind(), want[i])
		}
	}
	if got := kerneltest.FieldCodes(t, e.svc.ForgotPassword(context.Background(), "bad")); got["email"] != "invalid_email" {
		t.Errorf("malformed address: %v", got)
	}

	// The job finds out: only the active account gets a link.
	e.accounts.err = nil
	for _, j := range e.jobs.Items() {
		if err := e.svc.WorkPasswordReset(context.Background(), j.(auth.SendPasswordReset)); err != nil {
			t.Fatalf("%+v: %v", j, err)
		}
	}
	if sent := e.mail.Sent(); len(sent) != 1 || sent[0].To != active.Email.String() {
		t.Errorf("mail sent: %+v, want one to %s", sent, active.Email)
	}
	boom := errors.New("db down")
	e.accounts.err = boom
	if err := e.svc.WorkPasswordReset(context.Background(), auth.SendPasswordReset{Email: "ann@example.com"}); !errors.Is(err, boom) {
		t.Errorf("lookup failure in the job: %v, want it returned for a retry", err)
	}
}

// resetToken runs the reset job for acc and returns the token from the mailed link.
func resetToken(t *testing.T, e *env, acc auth.Account) string {
	t.Helper()
	if err := e.svc.WorkPasswordReset(context.Background(), auth.SendPasswordReset{Email: acc.Email}); err != nil {
		t.Fatal(err)
	}
	return e.mail.LastToken(t)
}

func TestResetPassword(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "ann@example.com", "old password")
	p1 := e.login(t, "ann@example.com", "old password")
	p2 := e.login(t, "ann@example.com", "old password")
	token := resetToken(t, e, acc)

	if got := kerneltest.FieldCodes(t, e.svc.ResetPassword(context.Background(), token, "short")); got["new_password"] != "invalid_password" {
		t.Errorf("short password: %v", got)
	}
	if err := e.svc.ResetPassword(context.Background(), token, "new password"); err != nil {
		t.Fatal(err)
	}
	if e.store.Passwords[acc.ID] != "hash:new password" {
		t.Errorf("stored %q", e.store.Passwords[acc.ID])
	}
	for _, id := range []uuid.UUID{p1.SessionID, p2.SessionID} {
		if s := e.store.Session(id); s.RevokedAt.IsZero() || s.RevokeReason != "password_reset" {
			t.Errorf("session %s = %+v", id, s)
		}
	}
	if got := sortedIDs(e.broadcast.All()); !slices.Equal(got, sortedIDs([]uuid.UUID{p1.SessionID, p2.SessionID})) {
		t.Errorf("invalidated %v", got)
	}
	last := e.audit.Items()[len(e.audit.Items())-1]
	if last.Action != "auth.password_reset" || last.ActorID != acc.ID || last.EntityID != acc.ID.String() {
		t.Errorf("audit = %+v", last)
	}
	if err := e.svc.ResetPassword(context.Background(), token, "third password"); !errors.Is(err, auth.ErrInvalidOrExpiredToken) {
		t.Errorf("second use: %v, want ErrInvalidOrExpiredToken", err)
	}
	if e.store.Passwords[acc.ID] != "hash:new password" {
		t.Error("the second use changed the password")
	}
}

func TestResetPasswordRefusals(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "ann@example.com", "old password")
	expired := resetToken(t, e, acc)
	verify := verifyToken(t, e, acc)
	e.clock.Advance(lifetimes.Reset)
	for name, tok := range map[string]string{
		"empty": "", "unknown": "nope", "expired": expired, "verification token": verify,
	} {
		if err := e.svc.ResetPassword(context.Background(), tok, "new password"); !errors.Is(err, auth.ErrInvalidOrExpiredToken) {
			t.Errorf("%s token: %v, want ErrInvalidOrExpiredToken", name, err)
		}
	}
	if e.store.Passwords[acc.ID] != "hash:old password" {
		t.Error("a refused reset changed the password")
	}
}

func TestResetPasswordAfterAccountErased(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "ann@example.com", "old password")
	token := resetToken(t, e, acc)
	e.disable(acc.ID) // deletion anonymises and disables the account
	if err := e.tx.Do(context.Background(), func(ctx context.Context) error { return e.svc.EraseCredentials(ctx, acc.ID) }); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ResetPassword(context.Background(), token, "new password"); !errors.Is(err, auth.ErrInvalidOrExpiredToken) {
		t.Errorf("error = %v, want ErrInvalidOrExpiredToken", err)
	}
	if _, ok := e.store.Passwords[acc.ID]; ok {
		t.Error("a password was stored for an erased account")
	}
}

// verifyToken runs the verification job for acc and returns the token from the mailed link.
func verifyToken(t *testing.T, e *env, acc auth.Account) string {
	t.Helper()
	if err := e.svc.WorkEmailVerification(context.Background(), auth.SendEmailVerification{UserID: acc.ID}); err != nil {
		t.Fatal(err)
	}
	return e.mail.LastToken(t)
}

func TestEmailVerification(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "ann@example.com", "old password")
	pair := e.login(t, "ann@example.com", "old password")
	actor := ports.Actor{UserID: acc.ID, SessionID: pair.SessionID}
	if err := e.svc.RequestEmailVerification(context.Background(), actor); err != nil {
		t.Fatal(err)
	}
	if len(e.jobs.Items()) != 1 || e.jobs.Items()[0] != (auth.SendEmailVerification{UserID: acc.ID}) || e.jobs.Items()[0].Kind() != "auth.send_email_verification" {
		t.Fatalf("jobs = %+v", e.jobs.Items())
	}
	token := verifyToken(t, e, acc)
	reset := resetToken(t, e, acc)
	for name, tok := range map[string]string{"empty": "", "unknown": "nope", "reset token": reset} {
		if id, err := e.svc.SpendEmailVerification(context.Background(), tok); !errors.Is(err, auth.ErrInvalidOrExpiredToken) || id != uuid.Nil {
			t.Errorf("%s: %v, %v; want ErrInvalidOrExpiredToken", name, id, err)
		}
	}
	if id, err := e.svc.SpendEmailVerification(context.Background(), token); err != nil || id != acc.ID {
		t.Fatalf("SpendEmailVerification = %v, %v; want %v", id, err, acc.ID)
	}
	if _, err := e.svc.SpendEmailVerification(context.Background(), token); !errors.Is(err, auth.ErrInvalidOrExpiredToken) {
		t.Errorf("second use: %v", err)
	}
	verified := acc
	verified.EmailVerified = true
	e.accounts.byID[acc.ID] = verified
	if err := e.svc.RequestEmailVerification(context.Background(), actor); err != nil || len(e.jobs.Items()) != 1 {
		t.Errorf("a verified address enqueued another job: %v, %v", err, e.jobs.Items())
	}
	if err := e.svc.RequestEmailVerification(context.Background(), ports.Actor{UserID: kernel.NewID(), SessionID: kernel.NewID()}); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("unknown account: %v", err)
	}
}

func TestVerifyEmailExpired(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "ann@example.com", "old password")
	token := verifyToken(t, e, acc)
	e.clock.Advance(lifetimes.Verify)
	if id, err := e.svc.SpendEmailVerification(context.Background(), token); !errors.Is(err, auth.ErrInvalidOrExpiredToken) || id != uuid.Nil {
		t.Errorf("expired: %v, %v", id, err)
	}
	if strings.Contains(token, "=") {
		t.Errorf("token %q must be URL-safe unpadded", token)
	}
}

// A verification token minted before its account was disabled or deleted confirms
// nothing, as a reset token does not revive the account.
func TestVerifyEmailRefusesInactiveAccounts(t *testing.T) {
	e := newEnv(t)
	off := e.account(t, "off@example.com", "old password")
	offToken := verifyToken(t, e, off)
	e.disable(off.ID)
	gone := e.account(t, "gone@example.com", "old password")
	goneToken := verifyToken(t, e, gone)
	delete(e.accounts.byID, gone.ID)
	for name, tok := range map[string]string{"disabled": offToken, "deleted": goneToken} {
		if id, err := e.svc.SpendEmailVerification(context.Background(), tok); !errors.Is(err, auth.ErrInvalidOrExpiredToken) || id != uuid.Nil {
			t.Errorf("%s: %v, %v; want ErrInvalidOrExpiredToken", name, id, err)
		}
	}
}
