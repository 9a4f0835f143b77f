// Package portstest provides in-memory fakes of the shared ports for unit tests: a
// transaction that puts its participants back when it rolls back, a clock that moves only
// when told to, and recorders for the audit trail, the outbox events and the job queue.
//
// The fakes are safe for concurrent use, but Tx restores whole fakes on rollback, so a
// test runs one transaction at a time.
package portstest

import (
	"context"
	"sync"
	"time"
)

// Participant is a fake that takes part in a Tx's transactions: Snapshot returns a
// function that puts the fake back as it was when Snapshot was called.
type Participant interface {
	Snapshot() (restore func())
}

type txKey struct{}

// txState is what one outermost transaction carries in its context.
type txState struct {
	mu    sync.Mutex
	hooks []func()
}

// Tx is an in-memory ports.Tx. Do runs fn, and nested calls join the outermost one. When
// the outermost fn fails, every registered Participant is restored and the AfterCommit
// hooks are dropped; otherwise the hooks run, in the order they were added. The zero value
// is a Tx with no participants.
type Tx struct {
	mu        sync.Mutex
	parts     []Participant
	commits   int
	rollbacks int
}

// NewTx returns a Tx with parts registered.
func NewTx(parts ...Participant) *Tx {
	tx := &Tx{}
	tx.Register(parts...)
	return tx
}

// Register adds parts to the fakes that every later outermost transaction snapshots and,
// when it fails, restores in registration order.
func (tx *Tx) Register(parts ...Participant) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	tx.parts = append(tx.parts, parts...)
}

// Do runs fn in a transaction, or inside the caller's when ctx already carries one.
func (tx *Tx) Do(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*txState); ok {
		return fn(ctx)
	}
	tx.mu.Lock()
	parts := append([]Participant(nil), tx.parts...)
	tx.mu.Unlock()
	restores := make([]func(), len(parts))
	for i, p := range parts {
		restores[i] = p.Snapshot()
	}
	st := &txState{}
	if err := fn(context.WithValue(ctx, txKey{}, st)); err != nil {
		for _, restore := range restores {
			restore()
		}
		tx.mu.Lock()
		tx.rollbacks++
		tx.mu.Unlock()
		return err
	}
	tx.mu.Lock()
	tx.commits++
	tx.mu.Unlock()
	st.mu.Lock()
	hooks := st.hooks
	st.mu.Unlock()
	for _, h := range hooks {
		h()
	}
	return nil
}

// AfterCommit runs fn once the transaction carried by ctx has committed, never if it rolls
// back, or at once when ctx carries none.
func (tx *Tx) AfterCommit(ctx context.Context, fn func()) {
	if st, ok := ctx.Value(txKey{}).(*txState); ok {
		st.mu.Lock()
		defer st.mu.Unlock()
		st.hooks = append(st.hooks, fn)
		return
	}
	fn()
}

// Commits returns how many outermost transactions have committed.
func (tx *Tx) Commits() int {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	return tx.commits
}

// Rollbacks returns how many outermost transactions have rolled back.
func (tx *Tx) Rollbacks() int {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	return tx.rollbacks
}

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
