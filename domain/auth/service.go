package auth

import (
	"context"
	"errors"
	"sync"

	"github.com/google/uuid"

	"github.com/keelhq/keel/ports"
)

// Deps are the auth context's ports and settings.
type Deps struct {
	Accounts Accounts
	Store    Store
	Hasher   PasswordHasher
	Tokens   AccessTokens
	Status   SessionStatus
	// Broadcast tells every api instance to forget what it cached about sessions.
	Broadcast SessionEvents
	Mail      Mail
	Tx        ports.Tx
	Audit     ports.AuditTrail
	Events    ports.Events
	Jobs      ports.JobQueue
	Clock     ports.Clock
	// SignIns remembers the devices accounts signed in from; Notices tells accounts about
	// new devices and password changes.
	SignIns   SignIns
	Notices   Notices
	Lifetimes Lifetimes
	// LinkBase is the web client's origin that e-mailed links point to.
	LinkBase string
	// PurgeBatch, when set, is how many rows one purge statement deletes (PurgeBatch).
	PurgeBatch int
}

// Service holds the auth context's actions.
type Service struct {
	Deps

	dummyMu   sync.Mutex
	dummyHash string
}

// NewService returns the auth context's actions, refusing a missing port or lifetime.
func NewService(s Deps) (*Service, error) {
	ports := []any{s.Accounts, s.Store, s.Hasher, s.Tokens, s.Status, s.Broadcast, s.Mail, s.Tx, s.Audit, s.Events, s.Jobs, s.Clock, s.SignIns, s.Notices}
	for _, p := range ports {
		if p == nil {
			return nil, errors.New("auth: every port is required")
		}
	}
	lt := s.Lifetimes
	if lt.Idle <= 0 || lt.Absolute <= 0 || lt.Access <= 0 || lt.Reset <= 0 || lt.Verify <= 0 {
		return nil, errors.New("auth: every lifetime must be positive")
	}
	return &Service{Deps: s}, nil
}

// audit writes one audit record about entity; the actor defaults to the context's.
func (s *Service) audit(ctx context.Context, action, entity string, id, actor uuid.UUID) error {
	return s.Audit.Record(ctx, ports.AuditRecord{Action: action, Entity: entity, EntityID: id.String(), ActorID: actor})
}

// invalidateAfterCommit tells every api instance, once the transaction commits, to forget
// what it cached about the sessions.
func (s *Service) invalidateAfterCommit(ctx context.Context, ids []uuid.UUID) {
	if len(ids) == 0 {
		return
	}
	s.Tx.AfterCommit(ctx, func() { s.Broadcast.Invalidate(context.WithoutCancel(ctx), ids...) })
}

// dummy returns a hash of a random password, verified against when an account does not
// exist so that a failed sign-in costs the same time either way. Only a success is kept.
func (s *Service) dummy(ctx context.Context) (string, error) {
	s.dummyMu.Lock()
	defer s.dummyMu.Unlock()
	if s.dummyHash == "" {
		pw, _ := newSecret()
		h, err := s.Hasher.Hash(context.WithoutCancel(ctx), pw)
		if err != nil {
			return "", err
		}
		s.dummyHash = h
	}
	return s.dummyHash, nil
}

// Prepare computes the dummy hash ahead of the first sign-in, so that the first failed
// sign-in with an unknown e-mail costs no more than any other.
func (s *Service) Prepare(ctx context.Context) error {
	_, err := s.dummy(ctx)
	return err
}

// signedIn is the policy of the actions an account takes on itself.
func signedIn(actor ports.Actor) error {
	if actor.UserID == uuid.Nil || actor.SessionID == uuid.Nil {
		return ErrInvalidToken
	}
	return nil
}

// revoked ends sess for reason, and publishes it.
func (s *Service) revoked(ctx context.Context, sess *Session, reason string) error {
	sess.Revoke(reason, s.Clock.Now())
	s.invalidateAfterCommit(ctx, []uuid.UUID{sess.ID()})
	return s.Events.Publish(ctx, Event{Name: EventSessionRevoked, Session: sess.Record()})
}
