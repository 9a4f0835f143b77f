// Package outbox writes domain events to PostgreSQL's outbox_events table in the
// transaction of the change they describe (ports.Events); the worker's relay publishes
// them later.
package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/keelhq/keel/adapters/postgres"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/platform/tracing"
	"github.com/keelhq/keel/ports"
)

// MaxPayloadSize bounds an event's stored payload, in bytes of JSON. A larger one is
// replaced by its "id" member alone, and subscribers refetch the resource.
const MaxPayloadSize = 4 << 10

// row is one outbox_events row.
type row struct {
	bun.BaseModel `bun:"table:outbox_events,alias:o"`

	ID          uuid.UUID       `bun:"id,pk,type:uuid"`
	Name        string          `bun:"name,notnull"`
	Topic       string          `bun:"topic,notnull"`
	Payload     json.RawMessage `bun:"payload,type:jsonb,notnull"`
	CreatedAt   time.Time       `bun:"created_at,notnull"`
	PublishedAt time.Time       `bun:"published_at,nullzero"`
	Traceparent string          `bun:"traceparent,nullzero"`
}

// Encoding gives the wire data of the events of one context (the REST resource the event
// describes, made by the same converter as the REST API's); ok is false for an event it
// does not know.
type Encoding func(ev ports.Event) (data any, ok bool)

// Events implements ports.Events over the outbox_events table.
type Events struct {
	db        *bun.DB
	clock     ports.Clock
	encodings []Encoding
	traced    bool
}

// Traced makes Publish record the W3C traceparent of the span that publishes an event
// (tracing on), so that the event's relay and delivery join that trace. It returns e.
func (e *Events) Traced() *Events {
	e.traced = true
	return e
}

// NewEvents returns Events over db, timing events with clock and encoding their data with
// the first of encodings that knows them.
func NewEvents(db *bun.DB, clock ports.Clock, encodings ...Encoding) *Events {
	return &Events{db: db, clock: clock, encodings: encodings}
}

var _ ports.Events = (*Events)(nil)

// Publish implements ports.Events: it inserts the event, with its wire data as JSON (cut
// down to its id when over MaxPayloadSize), in the transaction carried by ctx. An event
// no encoding knows is an error: it would reach subscribers without data.
func (e *Events) Publish(ctx context.Context, ev ports.Event) error {
	data, err := e.encode(ev)
	if err != nil {
		return fmt.Errorf("publish %s: %w", ev.EventName(), err)
	}
	payload, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("publish %s: encode data: %w", ev.EventName(), err)
	}
	r := &row{
		ID: kernel.NewID(), Name: ev.EventName(), Topic: ev.EventTopic(), Payload: capped(payload),
		CreatedAt: kernel.Timestamp(e.clock.Now()),
	}
	if e.traced {
		r.Traceparent = tracing.Inject(ctx)
	}
	if _, err := postgres.Conn(ctx, e.db).NewInsert().Model(r).Exec(ctx); err != nil {
		return fmt.Errorf("publish %s on %s: %w", ev.EventName(), ev.EventTopic(), err)
	}
	return nil
}

func (e *Events) encode(ev ports.Event) (any, error) {
	for _, enc := range e.encodings {
		if data, ok := enc(ev); ok {
			return data, nil
		}
	}
	return nil, fmt.Errorf("no encoding for event %T", ev)
}

// capped returns payload, or when it is over MaxPayloadSize an object holding only its
// "id" member ({} when it has none or is not an object).
func capped(payload json.RawMessage) json.RawMessage {
	if len(payload) <= MaxPayloadSize {
		return payload
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(payload, &members); err != nil || members["id"] == nil {
		return json.RawMessage(`{}`)
	}
	small, err := json.Marshal(map[string]json.RawMessage{"id": members["id"]})
	if err != nil || len(small) > MaxPayloadSize {
		return json.RawMessage(`{}`)
	}
	return small
}
