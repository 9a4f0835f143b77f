package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
)

func TestWorkTokenJobs(t *testing.T) {
	tests := []struct {
		name     string
		run      func(*auth.Service, auth.Account) error
		purpose  string
		template string
		path     string
		ttl      string
	}{
		{"password reset", func(s *auth.Service, a auth.Account) error {
			return s.WorkPasswordReset(context.Background(), auth.SendPasswordReset{Email: a.Email})
		}, auth.PurposePasswordReset, "password_reset", "/reset-password", "30"},
		{"e-mail verification", func(s *auth.Service, a auth.Account) error {
			return s.WorkEmailVerification(context.Background(), auth.SendEmailVerification{UserID: a.ID})
		}, auth.PurposeEmailVerify, "email_verification", "/verify-email", "2880"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			acc := e.account(t, "ann@example.com", "correct horse")
			acc.Locale = kernel.LocaleDE
			e.accounts.byID[acc.ID] = acc
			if err := tt.run(e.svc, acc); err != nil {
				t.Fatal(err)
			}
			if len(e.mail.Sent()) != 1 {
				t.Fatalf("sent %+v", e.mail.Sent())
			}
			m := e.mail.Sent()[0]
			if m.To != "ann@example.com" || m.Template != tt.template || m.Locale != "de" || m.Data["Minutes"] != tt.ttl {
				t.Errorf("mail = %+v", m)
			}
			if !strings.HasPrefix(m.Data["Link"], "https://app.example.com"+tt.path+"?token=") {
				t.Errorf("link = %q", m.Data["Link"])
			}
			token := e.mail.LastToken(t) // the only mail: m
			if len(e.store.OneTime) != 1 {
				t.Fatalf("stored %+v", e.store.OneTime)
			}
			ott := e.store.OneTime[0]
			if string(ott.Hash) != string(auth.HashToken(token)) || strings.Contains(string(ott.Hash), token) {
				t.Errorf("stored hash %x is not the token's hash", ott.Hash)
			}
			if ott.UserID != acc.ID || ott.Purpose != tt.purpose || !ott.CreatedAt.Equal(t0) || !ott.ExpiresAt.After(t0) {
				t.Errorf("stored token = %+v", ott.OneTimeToken)
			}
			if len(token) < 43 {
				t.Errorf("token %q has less than 256 bits", token)
			}
			// Issuing a token is a state change: one audit entry, by the account itself.
			want := "auth." + tt.purpose + "_token_issued"
			if entries := e.audit.Items(); len(entries) != 1 || entries[0].Action != want ||
				entries[0].ActorID != acc.ID || entries[0].EntityID != acc.ID.String() {
				t.Errorf("audit = %+v, want one %s by the account", entries, want)
			}
		})
	}
}

func TestWorkTokenJobsSkipGoneAccounts(t *testing.T) {
	e := newEnv(t)
	off := e.account(t, "off@example.com", "correct horse")
	e.disable(off.ID)
	for _, acc := range []auth.Account{off, {ID: kernel.NewID()}} {
		if err := e.svc.WorkPasswordReset(context.Background(), auth.SendPasswordReset{Email: acc.Email}); err != nil {
			t.Errorf("reset for %s: %v", acc.ID, err)
		}
		if err := e.svc.WorkEmailVerification(context.Background(), auth.SendEmailVerification{UserID: acc.ID}); err != nil {
			t.Errorf("verification for %s: %v", acc.ID, err)
		}
	}
	if len(e.mail.Sent()) != 0 || len(e.store.OneTime) != 0 {
		t.Errorf("sent %v, stored %v", e.mail.Sent(), e.store.OneTime)
	}
}

func TestWorkTokenJobsReportFailures(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "ann@example.com", "correct horse")
	e.mail.Err = errors.New("smtp down")
	if err := e.svc.WorkPasswordReset(context.Background(), auth.SendPasswordReset{Email: acc.Email}); !errors.Is(err, e.mail.Err) {
		t.Errorf("mail failure: %v (the queue must retry)", err)
	}
	e.mail.Err = nil
	e.accounts.err = errors.New("db down")
	if err := e.svc.WorkPasswordReset(context.Background(), auth.SendPasswordReset{Email: acc.Email}); !errors.Is(err, e.accounts.err) {
		t.Errorf("lookup failure: %v (the queue must retry)", err)
	}
}
