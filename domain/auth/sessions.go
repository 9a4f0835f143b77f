package auth

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/ports"
)

// Logout revokes the actor's current session.
func (s *Service) Logout(ctx context.Context, actor ports.Actor) error {
	if err := signedIn(actor); err != nil {
		return err
	}
	return s.revokeOne(ctx, actor.UserID, actor.SessionID, ActionLogout, "logout")
}

// LogoutAll revokes every session of the actor's account.
func (s *Service) LogoutAll(ctx context.Context, actor ports.Actor) error {
	if err := signedIn(actor); err != nil {
		return err
	}
	return s.Tx.Do(ctx, func(ctx context.Context) error {
		if err := s.revokeAll(ctx, actor.UserID, uuid.Nil, "logout_all"); err != nil {
			return err
		}
		return s.audit(ctx, ActionLogoutAll, "user", actor.UserID, uuid.Nil)
	})
}

// Sessions lists the actor's active sessions, newest first.
func (s *Service) Sessions(ctx context.Context, actor ports.Actor) ([]*Session, error) {
	if err := signedIn(actor); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	all, err := s.Store.ActiveSessions(ctx, actor.UserID, now)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(sess *Session) bool { return !sess.Active(now, s.Lifetimes.Idle) }), nil
}

// RevokeSession revokes one of the actor's sessions; another account's session is not
// found.
func (s *Service) RevokeSession(ctx context.Context, actor ports.Actor, sessionID uuid.UUID) error {
	if err := signedIn(actor); err != nil {
		return err
	}
	return s.revokeOne(ctx, actor.UserID, sessionID, ActionSessionRevoked, "revoked")
}

func (s *Service) revokeOne(ctx context.Context, userID, sessionID uuid.UUID, action, reason string) error {
	return s.Tx.Do(ctx, func(ctx context.Context) error {
		sess, err := s.Store.SessionForUpdate(ctx, sessionID)
		if err != nil {
			return err
		}
		if sess.UserID() != userID || !sess.Active(s.Clock.Now(), s.Lifetimes.Idle) {
			return ErrSessionNotFound
		}
		if _, err := s.Store.RevokeSession(ctx, sessionID, reason, s.Clock.Now()); err != nil {
			return err
		}
		if err := s.revoked(ctx, sess, reason); err != nil {
			return err
		}
		return s.audit(ctx, action, "session", sessionID, uuid.Nil)
	})
}

// revokeAll revokes the user's sessions but `except`, publishes each and broadcasts it
// after commit.
func (s *Service) revokeAll(ctx context.Context, userID, except uuid.UUID, reason string) error {
	revoked, err := s.Store.RevokeSessions(ctx, userID, except, reason, s.Clock.Now())
	if err != nil {
		return fmt.Errorf("revoke sessions of %s: %w", userID, err)
	}
	for _, sess := range revoked {
		if err := s.revoked(ctx, sess, reason); err != nil {
			return err
		}
	}
	return nil
}

// RevokeSessions ends every session of the user (the account was disabled). It joins the
// caller's transaction, which writes its own audit record.
func (s *Service) RevokeSessions(ctx context.Context, userID uuid.UUID, reason string) error {
	return s.revokeAll(ctx, userID, uuid.Nil, reason)
}

// InvalidateSessions tells every api instance that the user's sessions changed (for
// instance its role), without revoking them.
func (s *Service) InvalidateSessions(ctx context.Context, userID uuid.UUID) error {
	sessions, err := s.Store.ActiveSessions(ctx, userID, s.Clock.Now())
	if err != nil {
		return err
	}
	ids := make([]uuid.UUID, len(sessions))
	for i, sess := range sessions {
		ids[i] = sess.ID()
	}
	s.invalidateAfterCommit(ctx, ids)
	return nil
}

// EraseCredentials removes the user's password, one-time tokens and every session (the
// account was deleted); each session still active is published as revoked, as a disabled
// account's are. It joins the caller's transaction.
func (s *Service) EraseCredentials(ctx context.Context, userID uuid.UUID) error {
	if err := s.Store.DeleteCredentials(ctx, userID); err != nil {
		return err
	}
	now := s.Clock.Now()
	active, err := s.Store.ActiveSessions(ctx, userID, now)
	if err != nil {
		return err
	}
	for _, sess := range active {
		if sess.Active(now, s.Lifetimes.Idle) {
			if err := s.revoked(ctx, sess, "account_deleted"); err != nil {
				return err
			}
		}
	}
	ids, err := s.Store.DeleteSessions(ctx, userID)
	if err != nil {
		return err
	}
	s.invalidateAfterCommit(ctx, ids)
	return nil
}

// Purging is bounded: one statement deletes at most PurgeBatch rows (Deps.PurgeBatch
// overrides it), one run at most PurgeBatches statements; what is left waits for the next
// run.
const (
	PurgeBatch   = 500
	PurgeBatches = 100
)

// PurgeSessions deletes the sessions that expired or were revoked more than the idle
// lifetime ago, with their refresh tokens, in batches, and returns how many sessions went;
// it is the auth.purge_sessions scheduled action.
func (s *Service) PurgeSessions(ctx context.Context) (int64, error) {
	return s.purge(ctx, s.Store.PurgeSessions)
}

// PurgeTokens deletes the password-reset and verification tokens that expired or were used
// more than the idle lifetime ago, in batches, and returns how many went; it is the
// auth.purge_tokens scheduled action.
func (s *Service) PurgeTokens(ctx context.Context) (int64, error) {
	return s.purge(ctx, s.Store.PurgeOneTimeTokens)
}

func (s *Service) purge(ctx context.Context, batch func(ctx context.Context, before time.Time, limit int) (int64, error)) (int64, error) {
	before := s.Clock.Now().Add(-s.Lifetimes.Idle)
	size := s.PurgeBatch
	if size <= 0 {
		size = PurgeBatch
	}
	var total int64
	for range PurgeBatches {
		n, err := batch(ctx, before, size)
		total += n
		if err != nil || n < int64(size) {
			return total, err
		}
	}
	return total, nil
}
