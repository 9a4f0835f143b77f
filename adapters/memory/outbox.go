package memory

import (
	"context"
	"slices"
	"sync"

	"github.com/keelhq/keel/ports"
)

// Outbox implements ports.Events in memory: it keeps every published event, typed, in
// the order published. As a Participant of a Tx, it forgets the events of a transaction
// that rolls back. The zero value is empty and ready.
type Outbox struct {
	mu     sync.Mutex
	events []ports.Event
}

var (
	_ ports.Events = (*Outbox)(nil)
	_ Participant  = (*Outbox)(nil)
)

// NewOutbox returns an empty Outbox registered with tx, so that tx's rollbacks take back
// the events they published; with a nil tx it is registered nowhere.
func NewOutbox(tx *Tx) *Outbox {
	o := &Outbox{}
	tx.Register(o)
	return o
}

// Publish implements ports.Events.
func (o *Outbox) Publish(_ context.Context, ev ports.Event) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, ev)
	return nil
}

// Events returns a copy of the published events, oldest first.
func (o *Outbox) Events() []ports.Event {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.events)
}

// Names returns the EventName of every published event, oldest first.
func (o *Outbox) Names() []string {
	events := o.Events()
	names := make([]string, len(events))
	for i, ev := range events {
		names[i] = ev.EventName()
	}
	return names
}

// Snapshot implements Participant: the returned function forgets every event published
// since.
func (o *Outbox) Snapshot() (restore func()) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := len(o.events)
	return func() {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.events = o.events[:min(n, len(o.events))]
	}
}
