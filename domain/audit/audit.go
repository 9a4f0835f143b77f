// Package audit is the audit-trail bounded context: the record of every state-changing
// action of every context (written through ports.AuditTrail in the same transaction as
// the change), and its listing for administrators.
package audit

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/invopop/validation"

	"github.com/keelhq/keel/domain/kernel"
)

// Entry is one recorded action.
type Entry struct {
	ID        uuid.UUID
	ActorID   uuid.UUID // uuid.Nil when the system acted
	Action    string
	Entity    string
	EntityID  string
	IP        string
	RequestID string
	Changes   kernel.Changes
	CreatedAt time.Time
}

// Filter narrows the listing; zero fields do not filter.
type Filter struct {
	ActorID  uuid.UUID
	Entity   string
	EntityID string
	Action   string
	From     time.Time
	To       time.Time
}

// ErrInvalidRange is the validation error of a `to` before `from`.
var ErrInvalidRange = validation.NewError("invalid_range", "must not be before from")

// Validate checks the filter's time range.
func (f Filter) Validate() error {
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return validation.Errors{"to": ErrInvalidRange}
	}
	return nil
}

// Repository reads the trail.
type Repository interface {
	// List returns up to page.Limit+1 entries matching f, newest first, after page.After.
	List(ctx context.Context, f Filter, page kernel.Page) ([]Entry, error)
}

// Service holds the audit context's actions.
type Service struct {
	Repo Repository
}

// List returns one page of entries and whether more follow.
func (s *Service) List(ctx context.Context, f Filter, page kernel.Page) ([]Entry, bool, error) {
	if err := f.Validate(); err != nil {
		return nil, false, err
	}
	entries, err := s.Repo.List(ctx, f, page)
	if err != nil {
		return nil, false, err
	}
	entries, more := kernel.Trim(entries, page)
	return entries, more, nil
}
