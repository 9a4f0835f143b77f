// Package identity joins the user and auth contexts: registration and the first admin in
// one transaction, e-mail verification, and the anti-corruption layers through which each
// context sees the other (auth.Accounts over the users' repository, user.Access over the
// auth context's actions). Auth depends on the user context's storage only, so the two are
// built one after the other, never patched after construction.
package identity

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/invopop/validation"

	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/ports"
)

// Accounts implements auth.Accounts over the user context's repository.
type Accounts struct {
	Repo user.Repository
}

// ByEmail returns the account with the address.
func (a *Accounts) ByEmail(ctx context.Context, email kernel.Email) (auth.Account, error) {
	u, err := a.Repo.ByEmail(ctx, email)
	return toAccount(u, err)
}

// ByID returns the account with the id.
func (a *Accounts) ByID(ctx context.Context, id uuid.UUID) (auth.Account, error) {
	u, err := a.Repo.Get(ctx, id)
	return toAccount(u, err)
}

func toAccount(u *user.User, err error) (auth.Account, error) {
	if errors.Is(err, user.ErrNotFound) {
		return auth.Account{}, auth.ErrAccountNotFound
	}
	if err != nil {
		return auth.Account{}, err
	}
	return auth.Account{
		ID: u.ID(), Email: u.Email(), Role: u.Role(), Locale: u.Locale(),
		Active: u.Active(), EmailVerified: u.EmailVerified(),
	}, nil
}

// Access implements user.Access over the auth context.
type Access struct {
	Auth *auth.Service
}

// RevokeSessions ends every session of the user.
func (a *Access) RevokeSessions(ctx context.Context, userID uuid.UUID, reason string) error {
	return a.Auth.RevokeSessions(ctx, userID, reason)
}

// EraseCredentials removes the user's password and sessions.
func (a *Access) EraseCredentials(ctx context.Context, userID uuid.UUID) error {
	return a.Auth.EraseCredentials(ctx, userID)
}

// SessionsChanged makes every api instance re-read the user's sessions.
func (a *Access) SessionsChanged(ctx context.Context, userID uuid.UUID) error {
	return a.Auth.InvalidateSessions(ctx, userID)
}

// Verification confirms e-mail addresses: auth spends the token, the user context records
// the confirmation, in one transaction.
type Verification struct {
	Auth  *auth.Service
	Users *user.Service
	Tx    ports.Tx
}

// VerifyEmail spends a verification token and marks its account's address confirmed. The
// token proves who acts: its owner is the audit record's actor.
func (v *Verification) VerifyEmail(ctx context.Context, token string) error {
	return v.Tx.Do(ctx, func(ctx context.Context) error {
		id, err := v.Auth.SpendEmailVerification(ctx, token)
		if err != nil {
			return err
		}
		return v.Users.VerifyEmail(ports.WithActor(ctx, ports.Actor{UserID: id}), id)
	})
}

// Registration creates accounts.
type Registration struct {
	Users *user.Service
	Auth  *auth.Service
	Tx    ports.Tx
}

// NewAccount is what a sign-up or an operator supplies.
type NewAccount struct {
	Email    string
	Password string
	Name     string
	Locale   string
	Role     string
}

// newUser checks every field at once, so the client sees all its mistakes together.
func (r *Registration) newUser(in NewAccount) (*user.User, error) {
	email, errEmail := kernel.ParseEmail(in.Email)
	name, errName := user.ParseName(in.Name)
	if in.Locale == "" {
		in.Locale = string(kernel.DefaultLocale)
	}
	locale, errLocale := kernel.ParseLocale(in.Locale)
	if in.Role == "" {
		in.Role = string(kernel.RoleUser)
	}
	role, errRole := kernel.ParseRole(in.Role)
	errs := validation.Errors{
		"email": errEmail, "name": errName, "locale": errLocale, "role": errRole,
		"password": auth.CheckPassword(in.Password),
	}
	if err := errs.Filter(); err != nil {
		return nil, err
	}
	return user.New(email, name, locale, role, r.Users.Clock.Now()), nil
}

// Register signs up a user and signs them in: the account, its password, its first
// session, the audit records, the event and the verification e-mail job commit together.
func (r *Registration) Register(ctx context.Context, in NewAccount, c auth.Client) (auth.TokenPair, *user.User, error) {
	in.Role = string(kernel.RoleUser)
	u, err := r.newUser(in)
	if err != nil {
		return auth.TokenPair{}, nil, err
	}
	var pair auth.TokenPair
	err = r.Tx.Do(ctx, func(ctx context.Context) error {
		if err := r.create(ctx, u, in.Password); err != nil {
			return err
		}
		acc, _ := toAccount(u, nil)
		if err := r.Auth.Jobs.Enqueue(ctx, auth.SendEmailVerification{UserID: u.ID()}); err != nil {
			return err
		}
		pair, err = r.Auth.StartSession(ctx, acc, c)
		return err
	})
	if err != nil {
		return auth.TokenPair{}, nil, fmt.Errorf("register: %w", err)
	}
	return pair, u, nil
}

// CreateAccount creates an account with a password and no session: how an operator makes
// the first administrator.
func (r *Registration) CreateAccount(ctx context.Context, in NewAccount) (*user.User, error) {
	u, err := r.newUser(in)
	if err != nil {
		return nil, err
	}
	if err := r.Tx.Do(ctx, func(ctx context.Context) error { return r.create(ctx, u, in.Password) }); err != nil {
		return nil, fmt.Errorf("create account: %w", err)
	}
	return u, nil
}

func (r *Registration) create(ctx context.Context, u *user.User, password string) error {
	if err := r.Users.Register(ctx, u); err != nil {
		return err
	}
	return r.Auth.SetPassword(ctx, u.ID(), password)
}
