package ports

import (
	"context"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/kernel"
)

// AuditRecord is one state-changing action, as a context reports it. The trail adds the
// actor, IP and request id from the context, and the time.
type AuditRecord struct {
	// Action is "<entity>.<verb>", e.g. "user.updated".
	Action   string
	Entity   string
	EntityID string
	Changes  kernel.Changes
	// ActorID overrides the actor in the context (e.g. the user who just registered).
	ActorID uuid.UUID
}

// AuditTrail writes audit records. Called inside Tx.Do, the record commits with the change.
type AuditTrail interface {
	Record(ctx context.Context, rec AuditRecord) error
}

// Event is a domain event bound for subscribers: a typed value of the context that emits
// it (its name, its topic and the changed state, with no wire format), written to the
// outbox in the same transaction as the change and relayed later. Its wire data is made at
// the edge by the same converter as the REST resource it describes.
type Event interface {
	// EventName is "<entity>.<verb>", e.g. "user.updated".
	EventName() string
	// EventTopic routes the event, e.g. "user:<id>".
	EventTopic() string
}

// Events records domain events in the outbox.
type Events interface {
	Publish(ctx context.Context, ev Event) error
}
