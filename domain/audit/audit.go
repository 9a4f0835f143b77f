// Package audit is the audit-trail bounded context: the record of every state-changing
// action of every context (written through ports.AuditTrail in the same transaction as
// the change), and its listing for administrators.
package audit

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/invopop/validation"

	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/ports"
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

// NewEntry turns what a context reports into an entry, applying the trail's policy: the
// actor is rec.ActorID, else the context's actor, else none (the system); the IP and
// request id come from the context; changes to fields whose names suggest a secret are
// dropped, whatever the caller sent.
func NewEntry(ctx context.Context, rec ports.AuditRecord, now time.Time) Entry {
	actor := rec.ActorID
	if actor == uuid.Nil {
		if a, ok := ports.ActorFrom(ctx); ok {
			actor = a.UserID
		}
	}
	req := ports.RequestFrom(ctx)
	return Entry{
		ID: kernel.NewID(), ActorID: actor, Action: rec.Action, Entity: rec.Entity, EntityID: rec.EntityID,
		IP: req.IP, RequestID: req.RequestID, Changes: withoutSecrets(rec.Changes), CreatedAt: kernel.Timestamp(now),
	}
}

// secretWords mark a field that must never reach the trail, matched case-insensitively
// anywhere in its name ("password", "new_password_hash", "refresh_token", ...).
var secretWords = []string{"password", "token", "hash", "secret"}

// withoutSecrets returns a copy of ch, never nil, without the fields whose names contain
// a secret word.
func withoutSecrets(ch kernel.Changes) kernel.Changes {
	out := make(kernel.Changes, len(ch))
	for field, c := range ch {
		if !isSecret(field) {
			out[field] = c
		}
	}
	return out
}

// isSecret reports whether a field's name contains a secret word.
func isSecret(field string) bool {
	field = strings.ToLower(field)
	for _, w := range secretWords {
		if strings.Contains(field, w) {
			return true
		}
	}
	return false
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
