// Package scheduletest provides in-memory implementations of the scheduler's ports (a
// ledger, action locks, an elector whose leadership a test grants and revokes) and the
// contract suite every schedule.Ledger passes.
package scheduletest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/application/schedule"
	"github.com/keelhq/keel/domain/kernel"
)

// Ledger is an in-memory schedule.Ledger, safe for concurrent use.
type Ledger struct {
	mu   sync.Mutex
	runs []schedule.Run
}

var _ schedule.Ledger = (*Ledger)(nil)

// NewLedger returns an empty ledger.
func NewLedger() *Ledger { return &Ledger{} }

func (l *Ledger) taken(action string, window time.Time) bool {
	return slices.ContainsFunc(l.runs, func(r schedule.Run) bool { return r.Action == action && r.Window.Equal(window) })
}

// Begin implements schedule.Ledger.
func (l *Ledger) Begin(_ context.Context, r schedule.Run) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.taken(r.Action, r.Window) {
		return false, nil
	}
	l.runs = append(l.runs, r)
	return true, nil
}

// Finish implements schedule.Ledger.
func (l *Ledger) Finish(_ context.Context, r schedule.Run) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range l.runs {
		if l.runs[i].ID == r.ID && l.runs[i].Status == schedule.StatusRunning {
			l.runs[i].Status, l.runs[i].FinishedAt, l.runs[i].Error = r.Status, r.FinishedAt, r.Error
		}
	}
	return nil
}

// Skip implements schedule.Ledger.
func (l *Ledger) Skip(_ context.Context, runs []schedule.Run) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range runs {
		if !l.taken(r.Action, r.Window) {
			l.runs = append(l.runs, r)
		}
	}
	return nil
}

// Abandon implements schedule.Ledger.
func (l *Ledger) Abandon(_ context.Context, action, reason string, now time.Time) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var n int64
	for i := range l.runs {
		if r := &l.runs[i]; r.Action == action && r.Status == schedule.StatusRunning {
			r.Status, r.Error, r.FinishedAt = schedule.StatusFailed, reason, now
			if now.Before(r.StartedAt) {
				r.FinishedAt = r.StartedAt
			}
			n++
		}
	}
	return n, nil
}

// LastWindow implements schedule.Ledger.
func (l *Ledger) LastWindow(_ context.Context, action string) (time.Time, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var last time.Time
	for _, r := range l.runs {
		if r.Action == action && !r.Manual && r.Window.After(last) {
			last = r.Window
		}
	}
	return last, nil
}

// Latest implements schedule.Ledger.
func (l *Ledger) Latest(_ context.Context, action string) (schedule.Run, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out schedule.Run
	for _, r := range l.runs {
		if r.Action == action && (out.ID == uuid.Nil || r.ID.String() > out.ID.String()) {
			out = r
		}
	}
	return out, out.ID != uuid.Nil, nil
}

// List implements schedule.Ledger.
func (l *Ledger) List(_ context.Context, f schedule.Filter, page kernel.Page) ([]schedule.Run, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []schedule.Run
	for _, r := range l.runs {
		if (f.Action == "" || r.Action == f.Action) && (f.Status == "" || r.Status == f.Status) &&
			(page.After == uuid.Nil || r.ID.String() < page.After.String()) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b schedule.Run) int { return -compare(a.ID.String(), b.ID.String()) })
	if len(out) > page.Limit+1 {
		out = out[:page.Limit+1]
	}
	return out, nil
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Runs returns every run, in the order stored.
func (l *Ledger) Runs() []schedule.Run {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.runs)
}

// Locks are in-memory action locks shared by every holder of the same Locks.
type Locks struct {
	mu   sync.Mutex
	held map[string]bool
}

var _ schedule.Locks = (*Locks)(nil)

// NewLocks returns locks none of which is held.
func NewLocks() *Locks { return &Locks{held: map[string]bool{}} }

// TryLock implements schedule.Locks.
func (l *Locks) TryLock(_ context.Context, action string) (func(), bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held[action] {
		return nil, false, nil
	}
	l.held[action] = true
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.held, action)
	}, true, nil
}

// Elector is a schedule.Elector a test drives: each value sent on Grant makes the
// instance lead until the value's context ends.
type Elector struct {
	Locks *Locks
	Grant chan context.Context
}

var _ schedule.Elector = (*Elector)(nil)

// NewElector returns an elector leading with locks whenever granted.
func NewElector(locks *Locks) *Elector {
	return &Elector{Locks: locks, Grant: make(chan context.Context)}
}

// Lead implements schedule.Elector.
func (e *Elector) Lead(ctx context.Context, lead func(ctx context.Context, locks schedule.Locks)) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case term := <-e.Grant:
			lctx, cancel := context.WithCancel(ctx)
			stop := context.AfterFunc(term, cancel)
			lead(lctx, e.Locks)
			stop()
			cancel()
		}
	}
}
