package notification

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/invopop/validation"

	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/ports"
)

// Audit actions of the notification context.
const (
	ActionSent    = "notification.sent"
	ActionRead    = "notification.read"
	ActionReadAll = "notification.read_all"
)

// PurgeBatch is how many reads one statement of PurgeRead removes at most.
const PurgeBatch = 500

// Service holds the notification context's actions. Every change runs in one transaction
// with its audit record and event.
type Service struct {
	Repo       Repository
	Recipients Recipients
	Tx         ports.Tx
	Audit      ports.AuditTrail
	Events     ports.Events
	Clock      ports.Clock
}

// NewService returns the notification context's actions over its ports, refusing a
// missing one.
func NewService(repo Repository, recipients Recipients, tx ports.Tx, trail ports.AuditTrail, events ports.Events, clock ports.Clock) (*Service, error) {
	if repo == nil || recipients == nil || tx == nil || trail == nil || events == nil || clock == nil {
		return nil, errors.New("notification: every port is required")
	}
	return &Service{Repo: repo, Recipients: recipients, Tx: tx, Audit: trail, Events: events, Clock: clock}, nil
}

// Message is an administrator's notification, as received.
type Message struct {
	// To is a user id or "all".
	To    string
	Kind  string
	Title string
	Body  string
	Data  map[string]any
}

// parseMessage checks every field at once. An administrator sends KindAdminMessage only:
// the service's own kinds must not be forged.
func parseMessage(in Message) (Recipient, Title, Body, Data, error) {
	to, errTo := ParseRecipient(in.To)
	title, errTitle := ParseTitle(in.Title)
	body, errBody := ParseBody(in.Body)
	data, errData := ParseData(in.Data)
	var errKind error
	if in.Kind == "" {
		errKind = validation.ErrRequired
	} else if Kind(in.Kind) != KindAdminMessage {
		errKind = ErrInvalidKind
	}
	errs := validation.Errors{"user_id": errTo, "kind": errKind, "title": errTitle, "body": errBody, "data": errData}
	if err := errs.Filter(); err != nil {
		return Recipient{}, "", "", nil, err
	}
	return to, title, body, data, nil
}

// Notify sends an administrator's message, verbatim, to one account or to everyone.
// Administrators only; an unknown or deleted account is ErrUnknownRecipient.
func (s *Service) Notify(ctx context.Context, actor ports.Actor, in Message) (*Notification, error) {
	if err := AdminOnly(actor); err != nil {
		return nil, err
	}
	to, title, body, data, err := parseMessage(in)
	if err != nil {
		return nil, err
	}
	n := New(to, KindAdminMessage, title, body, data, s.Clock.Now())
	err = s.Tx.Do(ctx, func(ctx context.Context) error {
		if !to.Broadcast() {
			ok, err := s.Recipients.Exists(ctx, to.UserID())
			if err != nil {
				return err
			}
			if !ok {
				return ErrUnknownRecipient
			}
		}
		if err := s.store(ctx, n); err != nil {
			return err
		}
		ch := kernel.Changes{}
		ch.Set("recipient", nil, to.String())
		ch.Set("kind", nil, string(n.Kind()))
		ch.Set("title", nil, string(n.Title()))
		return s.Audit.Record(ctx, ports.AuditRecord{Action: ActionSent, Entity: "notification", EntityID: n.ID().String(), Changes: ch})
	})
	if err != nil {
		return nil, fmt.Errorf("notify %s: %w", to, err)
	}
	return n, nil
}

// Send stores a notification the service itself sends (already rendered in the
// recipient's language), with its event, joining the caller's transaction so that it
// commits with the change it tells about. The caller's change is audited; this is not.
func (s *Service) Send(ctx context.Context, to Recipient, kind Kind, title, body string, data map[string]any) (*Notification, error) {
	t, errTitle := ParseTitle(title)
	b, errBody := ParseBody(body)
	d, errData := ParseData(data)
	if err := firstErr(errTitle, errBody, errData); err != nil {
		return nil, fmt.Errorf("send %s: %w", kind, err)
	}
	n := New(to, kind, t, b, d, s.Clock.Now())
	if err := s.Tx.Do(ctx, func(ctx context.Context) error { return s.store(ctx, n) }); err != nil {
		return nil, fmt.Errorf("send %s to %s: %w", kind, to, err)
	}
	return n, nil
}

// store writes n and its event.
func (s *Service) store(ctx context.Context, n *Notification) error {
	if err := s.Repo.Create(ctx, n); err != nil {
		return err
	}
	return s.Events.Publish(ctx, Event{Notification: n.Record()})
}

// List returns one page of the actor's notifications (their own and the broadcasts),
// newest first, with the actor's read state, and whether more follow.
func (s *Service) List(ctx context.Context, actor ports.Actor, f Filter, page kernel.Page) ([]Item, bool, error) {
	if err := SignedIn(actor); err != nil {
		return nil, false, err
	}
	items, err := s.Repo.List(ctx, actor.UserID, f, page)
	if err != nil {
		return nil, false, err
	}
	items, more := kernel.Trim(items, page)
	return items, more, nil
}

// MarkRead marks one of the actor's notifications read; another account's is ErrNotFound.
func (s *Service) MarkRead(ctx context.Context, actor ports.Actor, id uuid.UUID) error {
	if err := SignedIn(actor); err != nil {
		return err
	}
	err := s.Tx.Do(ctx, func(ctx context.Context) error {
		if err := s.Repo.MarkRead(ctx, actor.UserID, id, kernel.Timestamp(s.Clock.Now())); err != nil {
			return err
		}
		return s.Audit.Record(ctx, ports.AuditRecord{Action: ActionRead, Entity: "notification", EntityID: id.String()})
	})
	if err != nil {
		return fmt.Errorf("mark notification %s read: %w", id, err)
	}
	return nil
}

// MarkAllRead marks every notification the actor sees read.
func (s *Service) MarkAllRead(ctx context.Context, actor ports.Actor) error {
	if err := SignedIn(actor); err != nil {
		return err
	}
	err := s.Tx.Do(ctx, func(ctx context.Context) error {
		n, err := s.Repo.MarkAllRead(ctx, actor.UserID, kernel.Timestamp(s.Clock.Now()))
		if err != nil || n == 0 {
			return err
		}
		ch := kernel.Changes{}
		ch.Set("count", nil, n)
		return s.Audit.Record(ctx, ports.AuditRecord{Action: ActionReadAll, Entity: "user", EntityID: actor.UserID.String(), Changes: ch})
	})
	if err != nil {
		return fmt.Errorf("mark all notifications read: %w", err)
	}
	return nil
}

// PurgeRead removes what was read more than age ago (see Repository.PurgeRead), in
// batches of PurgeBatch, each its own transaction, until none is left or ctx ends. It is
// idempotent: run again, it finds nothing more. It returns how many reads it removed.
func (s *Service) PurgeRead(ctx context.Context, age time.Duration) (int64, error) {
	if age <= 0 {
		return 0, errors.New("notification: purge age must be positive")
	}
	before := s.Clock.Now().Add(-age)
	var total int64
	for {
		n, err := s.Repo.PurgeRead(ctx, before, PurgeBatch)
		total += n
		if err != nil {
			return total, fmt.Errorf("purge read notifications: %w", err)
		}
		if n < PurgeBatch {
			return total, nil
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}
