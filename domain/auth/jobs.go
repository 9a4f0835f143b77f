package auth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/kernel"
)

// SendPasswordReset is the job that mints a reset token and e-mails its link to the
// account with the address, if an active one has it. The account is looked up when the job
// runs, so that asking costs the same whether or not it exists; the token is made then
// too, so it is never stored anywhere but as a hash.
type SendPasswordReset struct {
	Email kernel.Email
}

// Kind names the job.
func (SendPasswordReset) Kind() string { return "auth.send_password_reset" }

// SendEmailVerification is the job that mints a verification token and e-mails its link.
type SendEmailVerification struct {
	UserID uuid.UUID
}

// Kind names the job.
func (SendEmailVerification) Kind() string { return "auth.send_email_verification" }

// WorkPasswordReset runs a SendPasswordReset job.
func (s *Service) WorkPasswordReset(ctx context.Context, job SendPasswordReset) error {
	acc, err := s.Accounts.ByEmail(ctx, job.Email)
	if errors.Is(err, ErrAccountNotFound) {
		return nil // nobody to write to; the answer to the request was the same
	}
	if err != nil {
		return err // retried by the queue
	}
	return s.sendToken(ctx, acc.ID, PurposePasswordReset, "password_reset", "/reset-password", s.Lifetimes.Reset)
}

// WorkEmailVerification runs a SendEmailVerification job.
func (s *Service) WorkEmailVerification(ctx context.Context, job SendEmailVerification) error {
	return s.sendToken(ctx, job.UserID, PurposeEmailVerify, "email_verification", "/verify-email", s.Lifetimes.Verify)
}

// sendToken stores a new one-time token for the account and e-mails the link carrying it,
// in the account's locale. An account that is gone or disabled gets nothing.
func (s *Service) sendToken(ctx context.Context, userID uuid.UUID, purpose, template, path string, ttl time.Duration) error {
	acc, err := s.Accounts.ByID(ctx, userID)
	if errors.Is(err, ErrAccountNotFound) || (err == nil && !acc.Active) {
		return nil // nothing to send to an account that is gone or disabled
	}
	if err != nil {
		return err // retried by the queue
	}
	token, hash := newSecret()
	now := kernel.Timestamp(s.Clock.Now())
	ott := OneTimeToken{ID: kernel.NewID(), UserID: userID, Purpose: purpose, Hash: hash, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	err = s.Tx.Do(ctx, func(ctx context.Context) error {
		if err := s.Store.CreateOneTimeToken(ctx, ott); err != nil {
			return err
		}
		return s.audit(ctx, "auth."+purpose+"_token_issued", "user", userID, userID)
	})
	if err != nil {
		return fmt.Errorf("store %s token: %w", purpose, err)
	}
	link := s.LinkBase + path + "?token=" + url.QueryEscape(token)
	data := map[string]string{"Link": link, "Minutes": fmt.Sprint(int(ttl.Minutes()))}
	return s.Mail.Send(ctx, acc.Email.String(), template, string(acc.Locale), data)
}
