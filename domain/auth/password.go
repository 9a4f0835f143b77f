package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/invopop/validation"

	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/ports"
)

// Audit actions of credential changes.
const (
	ActionPasswordSet     = "auth.password_set"
	ActionPasswordChanged = "auth.password_changed"
	ActionPasswordReset   = "auth.password_reset"
)

// SetPassword stores a first password for a new account, joining the caller's
// transaction. The password is checked against the policy under the field name "password".
func (s *Service) SetPassword(ctx context.Context, userID uuid.UUID, password string) error {
	if err := CheckPassword(password); err != nil {
		return validation.Errors{"password": err}
	}
	return s.setPassword(ctx, userID, password)
}

func (s *Service) setPassword(ctx context.Context, userID uuid.UUID, password string) error {
	hash, err := s.Hasher.Hash(ctx, password)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	return s.Store.SetPassword(ctx, userID, hash, kernel.Timestamp(s.Clock.Now()))
}

// ChangePassword replaces the actor's password after checking the current one, and
// revokes every other session of the account.
func (s *Service) ChangePassword(ctx context.Context, actor ports.Actor, current, next string) error {
	if err := signedIn(actor); err != nil {
		return err
	}
	errs := validation.Errors{"new_password": CheckPassword(next)}
	if current == "" {
		errs["current_password"] = validation.ErrRequired
	}
	if err := errs.Filter(); err != nil {
		return err
	}
	encoded, err := s.Store.PasswordHash(ctx, actor.UserID)
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	match, _, err := s.Hasher.Verify(ctx, current, encoded)
	if err != nil {
		return fmt.Errorf("verify password: %w", err)
	}
	if !match {
		return ErrInvalidCurrentPassword
	}
	return s.Tx.Do(ctx, func(ctx context.Context) error {
		if err := s.setPassword(ctx, actor.UserID, next); err != nil {
			return err
		}
		if err := s.revokeAll(ctx, actor.UserID, actor.SessionID, "password_changed"); err != nil {
			return err
		}
		acc, err := s.Accounts.ByID(ctx, actor.UserID)
		if err != nil {
			return err
		}
		if err := s.Notices.PasswordChanged(ctx, acc); err != nil {
			return err
		}
		return s.audit(ctx, ActionPasswordChanged, "user", actor.UserID, uuid.Nil)
	})
}

// ForgotPassword enqueues a reset e-mail job for the address. Whether an active account
// has it is the job's to find out: the request does the same work either way, so neither
// its answer nor its timing tells whether the address has an account.
func (s *Service) ForgotPassword(ctx context.Context, email string) error {
	addr, err := kernel.ParseEmail(email)
	if err != nil {
		return validation.Errors{"email": err}
	}
	return s.Jobs.Enqueue(ctx, SendPasswordReset{Email: addr})
}

// ResetPassword spends a reset token, sets the new password and revokes every session.
func (s *Service) ResetPassword(ctx context.Context, token, next string) error {
	if err := CheckPassword(next); err != nil {
		return validation.Errors{"new_password": err}
	}
	if token == "" {
		return ErrInvalidOrExpiredToken
	}
	return s.Tx.Do(ctx, func(ctx context.Context) error {
		userID, err := s.Store.ConsumeOneTimeToken(ctx, HashToken(token), PurposePasswordReset, s.Clock.Now())
		if err != nil {
			return err
		}
		// A token minted before the account was disabled or deleted must not revive it.
		acc, err := s.activeAccount(ctx, userID)
		if err != nil {
			return err
		}
		if err := s.setPassword(ctx, userID, next); err != nil {
			return err
		}
		if err := s.revokeAll(ctx, userID, uuid.Nil, "password_reset"); err != nil {
			return err
		}
		if err := s.Notices.PasswordChanged(ctx, acc); err != nil {
			return err
		}
		return s.audit(ctx, ActionPasswordReset, "user", userID, userID)
	})
}

// RequestEmailVerification enqueues a verification e-mail for the actor's account, unless
// it is verified already.
func (s *Service) RequestEmailVerification(ctx context.Context, actor ports.Actor) error {
	if err := signedIn(actor); err != nil {
		return err
	}
	userID := actor.UserID
	acc, err := s.Accounts.ByID(ctx, userID)
	if errors.Is(err, ErrAccountNotFound) {
		return ErrInvalidToken // the account went away since the token was checked
	}
	if err != nil {
		return err
	}
	if acc.EmailVerified {
		return nil
	}
	return s.Jobs.Enqueue(ctx, SendEmailVerification{UserID: userID})
}

// SpendEmailVerification spends a verification token, joining the caller's transaction,
// and returns the account whose address it confirms (the user context records that).
func (s *Service) SpendEmailVerification(ctx context.Context, token string) (uuid.UUID, error) {
	if token == "" {
		return uuid.Nil, ErrInvalidOrExpiredToken
	}
	userID, err := s.Store.ConsumeOneTimeToken(ctx, HashToken(token), PurposeEmailVerify, s.Clock.Now())
	if err != nil {
		return uuid.Nil, err
	}
	// A token minted before the account was disabled or deleted confirms nothing, as for
	// a reset.
	if _, err := s.activeAccount(ctx, userID); err != nil {
		return uuid.Nil, err
	}
	return userID, nil
}

// activeAccount returns the token's account, refusing as an invalid token one whose
// account is gone or disabled.
func (s *Service) activeAccount(ctx context.Context, userID uuid.UUID) (Account, error) {
	acc, err := s.Accounts.ByID(ctx, userID)
	if errors.Is(err, ErrAccountNotFound) || (err == nil && !acc.Active) {
		return Account{}, ErrInvalidOrExpiredToken
	}
	return acc, err
}
