// Package ports declares the driven-side interfaces shared by every bounded context:
// transactions, the job queue, e-mail, the clock and id generation. Contexts declare their
// own narrower ports next to the code that uses them; these are the common ones.
package ports

import (
	"context"
	"time"
)

// Tx runs fn in one database transaction: everything fn writes through repositories,
// the job queue and the audit trail commits or rolls back together. Nested calls join
// the outer transaction.
type Tx interface {
	Do(ctx context.Context, fn func(ctx context.Context) error) error
	// AfterCommit runs fn once the transaction carried by ctx has committed (never if it
	// rolls back), or at once when ctx carries none: for effects other processes must not
	// see early, such as broadcasting a revocation.
	AfterCommit(ctx context.Context, fn func())
}

// Job is the argument of a background job; Kind names its handler, e.g. "email.send".
type Job interface {
	Kind() string
}

// JobQueue enqueues background jobs. Called inside Tx.Do, the job is inserted in the same
// transaction as the change that caused it, so neither exists without the other.
type JobQueue interface {
	Enqueue(ctx context.Context, job Job) error
}

// Clock tells the time; tests use a fixed one.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock, in UTC.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }
