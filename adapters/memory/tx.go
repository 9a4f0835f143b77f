// Package memory holds Keel's in-process implementations of the shared ports: a
// transaction boundary (Tx) whose rollback puts every registered Participant back as it
// was, and an outbox (Outbox) that keeps the published events. Its subpackages store the
// bounded contexts' data the same way. They serve unit tests and in-process fallbacks,
// and pass the same contract suites as the PostgreSQL adapters.
//
// Transactions of one Tx run one at a time: an outermost Do holds the Tx until it commits
// or rolls back, which gives GetForUpdate-style locks for free (and means that fn must not
// start another transaction with a context that does not carry its own: that one waits
// for fn forever). Reads and writes made
// outside any transaction are not isolated from a running one: they see its uncommitted
// writes, and a write made outside a transaction while one is running is undone if that
// transaction rolls back.
package memory

import (
	"context"
	"sync"

	"github.com/keelhq/keel/ports"
)

// Participant is a store that takes part in a Tx's transactions: Snapshot returns a
// function that puts the store back as it was when Snapshot was called.
type Participant interface {
	Snapshot() (restore func())
}

type txKey struct{}

// txState is what one outermost transaction carries in its context.
type txState struct {
	owner *Tx
	mu    sync.Mutex
	done  bool
	hooks []func()
}

// Tx implements ports.Tx in memory. Do runs fn, and nested calls join the outermost
// one. When the outermost fn fails or panics, every registered Participant is restored
// (in registration order) and the AfterCommit hooks are dropped; otherwise the hooks run,
// in the order they were added, once the transaction is over. Outermost transactions are
// serialised. The zero value is a Tx with no participants.
type Tx struct {
	serial sync.Mutex // held by the running outermost transaction

	mu        sync.Mutex
	parts     []Participant
	commits   int
	rollbacks int
}

var _ ports.Tx = (*Tx)(nil)

// NewTx returns a Tx with parts registered.
func NewTx(parts ...Participant) *Tx {
	tx := &Tx{}
	tx.Register(parts...)
	return tx
}

// Register adds parts to the stores that every later outermost transaction snapshots
// and, when it rolls back, restores. On a nil Tx it registers nowhere, so that a store
// built without a transaction boundary works alone.
func (tx *Tx) Register(parts ...Participant) {
	if tx == nil {
		return
	}
	tx.mu.Lock()
	defer tx.mu.Unlock()
	tx.parts = append(tx.parts, parts...)
}

// current returns the transaction of tx that ctx carries and that is still running.
func (tx *Tx) current(ctx context.Context) (*txState, bool) {
	st, ok := ctx.Value(txKey{}).(*txState)
	if !ok || st.owner != tx {
		return nil, false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st, !st.done
}

// Do implements ports.Tx: it runs fn in a transaction, or inside the caller's when ctx
// already carries a running one of tx. A panic in fn rolls back and is re-raised.
func (tx *Tx) Do(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := tx.current(ctx); ok {
		return fn(ctx)
	}
	st := &txState{owner: tx}
	err := tx.run(context.WithValue(ctx, txKey{}, st), st, fn)
	if err != nil {
		return err
	}
	st.mu.Lock()
	hooks := st.hooks
	st.hooks = nil
	st.mu.Unlock()
	for _, h := range hooks {
		h()
	}
	return nil
}

// run runs fn as the outermost transaction st, holding tx's serial lock, and commits or
// restores every participant.
func (tx *Tx) run(ctx context.Context, st *txState, fn func(ctx context.Context) error) (err error) {
	tx.serial.Lock()
	defer tx.serial.Unlock()
	tx.mu.Lock()
	parts := append([]Participant(nil), tx.parts...)
	tx.mu.Unlock()
	restores := make([]func(), len(parts))
	for i, p := range parts {
		restores[i] = p.Snapshot()
	}
	committed := false
	defer func() {
		st.mu.Lock()
		st.done = true
		st.mu.Unlock()
		tx.mu.Lock()
		defer tx.mu.Unlock()
		if committed {
			tx.commits++
			return
		}
		for _, restore := range restores {
			restore()
		}
		tx.rollbacks++
	}()
	if err := fn(ctx); err != nil {
		return err
	}
	committed = true
	return nil
}

// AfterCommit implements ports.Tx: fn runs once the transaction carried by ctx has
// committed, never if it rolls back, or at once when ctx carries none.
func (tx *Tx) AfterCommit(ctx context.Context, fn func()) {
	if st, ok := tx.current(ctx); ok {
		st.mu.Lock()
		if !st.done {
			st.hooks = append(st.hooks, fn)
			st.mu.Unlock()
			return
		}
		st.mu.Unlock()
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
