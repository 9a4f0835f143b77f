package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/invopop/validation"

	"github.com/keelhq/keel/domain/kernel"
)

// Audit actions of sign-in and token use.
const (
	ActionLogin          = "auth.login"
	ActionRefresh        = "auth.token_refreshed"
	ActionRefreshReused  = "auth.refresh_token_reused"
	ActionLogout         = "auth.logout"
	ActionLogoutAll      = "auth.logout_all"
	ActionSessionRevoked = "auth.session_revoked"
)

// Login checks an e-mail and password and opens a session. A wrong password and an
// unknown e-mail give the same error after the same work; a disabled account is told so
// only once its password was right.
func (s *Service) Login(ctx context.Context, email, password string, c Client) (TokenPair, Account, error) {
	addr, err := kernel.ParseEmail(email)
	errs := validation.Errors{"email": err}
	if password == "" {
		errs["password"] = validation.ErrRequired
	}
	if err := errs.Filter(); err != nil {
		return TokenPair{}, Account{}, err
	}
	acc, encoded, err := s.credentialsOf(ctx, addr)
	if err != nil {
		return TokenPair{}, Account{}, err
	}
	match, rehash, err := s.Hasher.Verify(ctx, password, encoded)
	if err != nil {
		return TokenPair{}, Account{}, fmt.Errorf("verify password: %w", err)
	}
	if !match || acc.ID == uuid.Nil {
		return TokenPair{}, Account{}, ErrInvalidCredentials
	}
	if !acc.Active {
		return TokenPair{}, Account{}, ErrAccountDisabled
	}
	var pair TokenPair
	err = s.Tx.Do(ctx, func(ctx context.Context) error {
		if rehash {
			if err := s.setPassword(ctx, acc.ID, password); err != nil {
				return err
			}
		}
		pair, err = s.StartSession(ctx, acc, c)
		return err
	})
	return pair, acc, err
}

// credentialsOf returns the account and its password hash, or a zero account and the
// dummy hash when either is missing, so the caller's work does not reveal which.
func (s *Service) credentialsOf(ctx context.Context, email kernel.Email) (Account, string, error) {
	acc, err := s.Accounts.ByEmail(ctx, email)
	if err == nil {
		encoded, err := s.Store.PasswordHash(ctx, acc.ID)
		if err == nil {
			return acc, encoded, nil
		}
		if !errors.Is(err, ErrNoCredentials) {
			return Account{}, "", err
		}
	} else if !errors.Is(err, ErrAccountNotFound) {
		return Account{}, "", err
	}
	encoded, err := s.dummy(ctx)
	return Account{}, encoded, err
}

// StartSession opens a session for acc on client c, with its first refresh token and an
// audit record, and issues an access token. It joins the caller's transaction.
func (s *Service) StartSession(ctx context.Context, acc Account, c Client) (TokenPair, error) {
	now := s.Clock.Now()
	sess := newSession(acc.ID, c, now, s.Lifetimes)
	var refresh string
	err := s.Tx.Do(ctx, func(ctx context.Context) error {
		if err := s.Store.CreateSession(ctx, sess); err != nil {
			return err
		}
		var err error
		if refresh, err = s.rotate(ctx, sess); err != nil {
			return err
		}
		if err := s.noteSignIn(ctx, acc, sess); err != nil {
			return err
		}
		return s.audit(ctx, ActionLogin, "session", sess.ID(), acc.ID)
	})
	if err != nil {
		return TokenPair{}, fmt.Errorf("start session: %w", err)
	}
	return s.pair(sess, acc.Role, refresh)
}

// rotate stores a fresh refresh token for sess and returns it.
func (s *Service) rotate(ctx context.Context, sess *Session) (string, error) {
	token, hash := newSecret()
	rt := RefreshToken{ID: kernel.NewID(), SessionID: sess.ID(), Hash: hash, CreatedAt: kernel.Timestamp(s.Clock.Now())}
	if err := s.Store.CreateRefreshToken(ctx, rt); err != nil {
		return "", err
	}
	return token, nil
}

func (s *Service) pair(sess *Session, role kernel.Role, refresh string) (TokenPair, error) {
	now := s.Clock.Now()
	access, err := s.Tokens.Issue(Claims{
		UserID: sess.UserID(), SessionID: sess.ID(), Role: role, IssuedAt: now, ExpiresAt: now.Add(s.Lifetimes.Access),
	})
	if err != nil {
		return TokenPair{}, fmt.Errorf("issue access token: %w", err)
	}
	return TokenPair{AccessToken: access, RefreshToken: refresh, ExpiresIn: s.Lifetimes.Access, SessionID: sess.ID()}, nil
}

// Refresh spends a refresh token and returns a new pair. A token that was already spent
// means it leaked: the whole session (every token rotated from that sign-in) is revoked.
func (s *Service) Refresh(ctx context.Context, token string, c Client) (TokenPair, error) {
	if token == "" {
		return TokenPair{}, ErrInvalidRefreshToken
	}
	var pair TokenPair
	reused := false
	err := s.Tx.Do(ctx, func(ctx context.Context) error {
		rt, err := s.Store.RefreshTokenForUpdate(ctx, HashToken(token))
		if err != nil {
			return err
		}
		sess, err := s.Store.SessionForUpdate(ctx, rt.SessionID)
		if errors.Is(err, ErrSessionNotFound) {
			return ErrInvalidRefreshToken
		}
		if err != nil {
			return err
		}
		now := s.Clock.Now()
		if !rt.SpentAt.IsZero() {
			reused = true
			return s.revokeReused(ctx, sess, now)
		}
		if !sess.Active(now, s.Lifetimes.Idle) {
			return ErrInvalidRefreshToken
		}
		acc, err := s.Accounts.ByID(ctx, sess.UserID())
		if errors.Is(err, ErrAccountNotFound) || (err == nil && !acc.Active) {
			return ErrInvalidRefreshToken
		}
		if err != nil {
			return err
		}
		pair, err = s.refreshSession(ctx, sess, rt, acc, now)
		return err
	})
	if reused && err == nil {
		return TokenPair{}, ErrRefreshTokenReused
	}
	return pair, err
}

func (s *Service) refreshSession(ctx context.Context, sess *Session, rt RefreshToken, acc Account, now time.Time) (TokenPair, error) {
	if err := s.Store.SpendRefreshToken(ctx, rt.ID, now); err != nil {
		return TokenPair{}, err
	}
	if err := s.Store.TouchSession(ctx, sess.ID(), now); err != nil {
		return TokenPair{}, err
	}
	refresh, err := s.rotate(ctx, sess)
	if err != nil {
		return TokenPair{}, err
	}
	if err := s.audit(ctx, ActionRefresh, "session", sess.ID(), acc.ID); err != nil {
		return TokenPair{}, err
	}
	return s.pair(sess, acc.Role, refresh)
}

// revokeReused ends a session whose spent refresh token came back; the revocation
// commits although the request fails.
func (s *Service) revokeReused(ctx context.Context, sess *Session, now time.Time) error {
	revoked, err := s.Store.RevokeSession(ctx, sess.ID(), "refresh_token_reused", now)
	if err != nil {
		return err
	}
	if revoked {
		if err := s.revoked(ctx, sess, "refresh_token_reused"); err != nil {
			return err
		}
	}
	return s.audit(ctx, ActionRefreshReused, "session", sess.ID(), sess.UserID())
}

// Authenticate checks an access token and that its session is still active and belongs
// to the token's subject (a token naming one account's session and another account is
// refused, whoever signed it), and returns its claims with the account's current role.
func (s *Service) Authenticate(ctx context.Context, token string) (Claims, error) {
	claims, err := s.Tokens.Verify(token)
	if err != nil {
		return Claims{}, ErrInvalidToken
	}
	st, err := s.Status.SessionState(ctx, claims.SessionID)
	if err != nil {
		return Claims{}, fmt.Errorf("session state: %w", err)
	}
	if !st.Active || st.UserID != claims.UserID {
		return Claims{}, ErrInvalidToken
	}
	claims.Role, claims.Locale = st.Role, st.Locale
	return claims, nil
}
