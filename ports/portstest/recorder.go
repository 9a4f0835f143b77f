package portstest

import (
	"context"
	"slices"
	"sync"

	"github.com/keelhq/keel/ports"
)

// Recorder collects the values a fake port was given, in order. It is a participant of
// memory.Tx (see Snapshot): a rolled-back transaction takes back what it added. The zero
// value is empty and ready.
type Recorder[T any] struct {
	// Err, when set, makes Add fail with it and record nothing, to simulate a port that is
	// down. Set it before the recorder is shared between goroutines.
	Err error

	mu    sync.Mutex
	items []T
}

// Add records v, or returns Err when it is set.
func (r *Recorder[T]) Add(v T) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Err != nil {
		return r.Err
	}
	r.items = append(r.items, v)
	return nil
}

// Items returns a copy of the recorded values, oldest first.
func (r *Recorder[T]) Items() []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.items)
}

// Snapshot implements memory.Participant: the returned function forgets every value
// recorded since.
func (r *Recorder[T]) Snapshot() (restore func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.items)
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.items = r.items[:min(n, len(r.items))]
	}
}

// JobQueue is a ports.JobQueue that records every enqueued Job.
type JobQueue struct{ Recorder[ports.Job] }

// Enqueue implements ports.JobQueue.
func (q *JobQueue) Enqueue(_ context.Context, job ports.Job) error { return q.Add(job) }
