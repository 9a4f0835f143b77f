package audit

import (
	"context"
	"errors"
	"fmt"

	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/ports"
)

// Service holds the audit context's actions. It is also the trail every context writes
// to (ports.AuditTrail).
type Service struct {
	repo  Repository
	clock ports.Clock
}

// NewService returns the audit context over its repository, refusing a missing port.
func NewService(repo Repository, clock ports.Clock) (*Service, error) {
	if repo == nil || clock == nil {
		return nil, errors.New("audit: repository and clock are required")
	}
	return &Service{repo: repo, clock: clock}, nil
}

var _ ports.AuditTrail = (*Service)(nil)

// Record implements ports.AuditTrail: one entry, made by NewEntry's policy, stored in the
// transaction carried by ctx so that it commits with the change it describes.
func (s *Service) Record(ctx context.Context, rec ports.AuditRecord) error {
	if err := s.repo.Append(ctx, NewEntry(ctx, rec, s.clock.Now())); err != nil {
		return fmt.Errorf("record %s of %s %s: %w", rec.Action, rec.Entity, rec.EntityID, err)
	}
	return nil
}

// List returns one page of entries and whether more follow. Administrators only.
func (s *Service) List(ctx context.Context, actor ports.Actor, f Filter, page kernel.Page) ([]Entry, bool, error) {
	if err := AdminOnly(actor); err != nil {
		return nil, false, err
	}
	if err := f.Validate(); err != nil {
		return nil, false, err
	}
	entries, err := s.repo.List(ctx, f, page)
	if err != nil {
		return nil, false, err
	}
	entries, more := kernel.Trim(entries, page)
	return entries, more, nil
}
