package auth

import (
	"context"
	"sync"

	"github.com/google/uuid"

	"github.com/keelhq/keel/ports"
)

// Service holds the auth context's actions.
type Service struct {
	Accounts  Accounts
	Store     Store
	Hasher    PasswordHasher
	Tokens    AccessTokens
	Status    SessionStatus
	Events    SessionEvents
	Mail      Mail
	Tx        ports.Tx
	Audit     ports.AuditTrail
	Jobs      ports.JobQueue
	Clock     ports.Clock
	Lifetimes Lifetimes
	// LinkBase is the web client's origin that e-mailed links point to.
	LinkBase string

	dummyMu   sync.Mutex
	dummyHash string
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
	s.Tx.AfterCommit(ctx, func() { s.Events.Invalidate(context.WithoutCancel(ctx), ids...) })
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
