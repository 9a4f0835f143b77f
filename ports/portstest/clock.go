// Package portstest provides fakes of the shared ports for unit tests: a clock that moves
// only when told to, and a recorder of the jobs enqueued. The transaction, the event
// outbox and the audit trail have real in-memory adapters in adapters/memory (the trail is
// audit.Service over memory/audit; see domain/audit/audittest.Trail); use those.
//
// The fakes are safe for concurrent use.
package portstest

import (
	"sync"
	"time"
)

// Clock is a ports.Clock that stands still until it is set or advanced. The zero value
// reads the zero time.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock reading now.
func NewClock(now time.Time) *Clock { return &Clock{now: now} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to now, forwards or backwards.
func (c *Clock) Set(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = now
}

// Advance moves the clock d forwards (backwards when d is negative).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
