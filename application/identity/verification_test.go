package identity_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/keelhq/keel/application/identity"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/user"
)

// verificationToken creates an account and returns it with the token of its mailed
// verification link.
func verificationToken(t *testing.T, e *env) (*user.User, string) {
	t.Helper()
	u, err := e.reg.CreateAccount(context.Background(), identity.NewAccount{Email: "ann@example.com", Password: "correct horse", Name: "Ann"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.auth.WorkEmailVerification(context.Background(), auth.SendEmailVerification{UserID: u.ID()}); err != nil {
		t.Fatal(err)
	}
	return u, e.mail.LastToken(t)
}

func TestVerifyEmail(t *testing.T) {
	e := newEnv(t)
	u, token := verificationToken(t, e)
	audits, events := len(e.audit.Items()), len(e.events.Events())
	e.clock.Advance(time.Minute)

	for name, tok := range map[string]string{"empty": "", "unknown": "nope"} {
		if err := e.verify.VerifyEmail(context.Background(), tok); !errors.Is(err, auth.ErrInvalidOrExpiredToken) {
			t.Errorf("%s token: %v, want ErrInvalidOrExpiredToken", name, err)
		}
	}
	if err := e.verify.VerifyEmail(context.Background(), token); err != nil {
		t.Fatal(err)
	}
	rec := e.stored(t)[u.ID()]
	if !rec.EmailVerifiedAt.Equal(kernel.Timestamp(e.clock.Now())) {
		t.Errorf("stored %+v, want verified now", rec)
	}
	entries := e.audit.Items()[audits:]
	if len(entries) != 1 || entries[0].Action != user.EventUpdated || entries[0].ActorID != u.ID() ||
		entries[0].Changes["email_verified"] != (kernel.Change{From: false, To: true}) {
		t.Errorf("audit = %+v, want one user.updated by the user with email_verified", entries)
	}
	published := e.events.Events()[events:]
	if len(published) != 1 || published[0].(user.Event).User != rec {
		t.Errorf("events = %+v, want user.updated with the stored record", published)
	}
	if err := e.verify.VerifyEmail(context.Background(), token); !errors.Is(err, auth.ErrInvalidOrExpiredToken) {
		t.Errorf("second use: %v, want ErrInvalidOrExpiredToken", err)
	}
	if len(e.audit.Items()) != audits+1 || len(e.events.Events()) != events+1 {
		t.Error("a refused verification wrote something")
	}
}

// TestVerifyEmailRollsBackTogether: the token is spent only if the account is marked
// verified, in the same transaction.
func TestVerifyEmailRollsBackTogether(t *testing.T) {
	e := newEnv(t)
	u, token := verificationToken(t, e)
	boom := errors.New("audit down")
	e.audit.Fail(boom)
	if err := e.verify.VerifyEmail(context.Background(), token); !errors.Is(err, boom) {
		t.Fatalf("error = %v, want %v", err, boom)
	}
	if !e.stored(t)[u.ID()].EmailVerifiedAt.IsZero() {
		t.Fatal("the account was verified although the transaction rolled back")
	}
	e.audit.Fail(nil)
	if err := e.verify.VerifyEmail(context.Background(), token); err != nil {
		t.Fatalf("the token was spent by a rolled-back verification: %v", err)
	}
	if e.stored(t)[u.ID()].EmailVerifiedAt.IsZero() {
		t.Error("the account is not verified")
	}
}
