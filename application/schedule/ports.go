package schedule

import (
	"context"
	"time"

	"github.com/keelhq/keel/domain/kernel"
)

// Ledger stores one row per (action, window).
type Ledger interface {
	// Begin stores r (status running) unless its window already has a row, and reports
	// whether it did: a window runs at most once.
	Begin(ctx context.Context, r Run) (bool, error)
	// Finish records the outcome of the running run r.ID (status, end, error).
	Finish(ctx context.Context, r Run) error
	// Skip stores the runs (status skipped); windows that already have a row keep it.
	Skip(ctx context.Context, runs []Run) error
	// Abandon marks every running run of action finished with status failed and reason:
	// called while holding the action's lock, when no run of it can be in progress.
	Abandon(ctx context.Context, action, reason string, now time.Time) (int64, error)
	// LastWindow returns the latest scheduled (not one-shot) window of action that has a
	// row, or the zero time.
	LastWindow(ctx context.Context, action string) (time.Time, error)
	// Latest returns the most recent run of action.
	Latest(ctx context.Context, action string) (Run, bool, error)
	// List returns up to page.Limit+1 runs matching f, newest first, after page.After.
	List(ctx context.Context, f Filter, page kernel.Page) ([]Run, error)
}

// Locks grants one process at a time the right to run an action.
type Locks interface {
	// TryLock takes the action's lock without waiting; ok is false when another holds it.
	// unlock gives it back.
	TryLock(ctx context.Context, action string) (unlock func(), ok bool, err error)
}

// Elector makes one instance among many the leader.
type Elector interface {
	// Lead blocks until ctx is done, calling lead each time this instance becomes the
	// leader, with a context that ends when leadership is lost and locks held by the
	// leadership itself (they are lost with it). lead must return when its context ends.
	Lead(ctx context.Context, lead func(ctx context.Context, locks Locks)) error
}

// Observer is told of every run, for metrics.
type Observer interface {
	// Finished reports a run's outcome, its duration and how late it started after its window.
	Finished(action string, status Status, took, lag time.Duration)
	// Skipped reports windows recorded skipped.
	Skipped(action string, n int)
}
