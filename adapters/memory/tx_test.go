package memory_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/keelhq/keel/adapters/memory"
	"github.com/keelhq/keel/ports"
	"github.com/keelhq/keel/ports/contract"
)

var _ ports.Tx = (*memory.Tx)(nil)

func TestOutboxKeepsTypedEvents(t *testing.T) {
	tx := memory.NewTx()
	outbox := memory.NewOutbox(tx)
	ev := contract.Event("x.created", "x:1")
	if err := tx.Do(context.Background(), func(ctx context.Context) error { return outbox.Publish(ctx, ev) }); err != nil {
		t.Fatal(err)
	}
	if got := outbox.Events(); len(got) != 1 || got[0] != ev {
		t.Errorf("Events = %v, want the very value published", got)
	}
	if got := outbox.Names(); !slices.Equal(got, []string{"x.created"}) {
		t.Errorf("Names = %v", got)
	}
	if tx.Commits() != 1 || tx.Rollbacks() != 0 {
		t.Errorf("commits %d, rollbacks %d", tx.Commits(), tx.Rollbacks())
	}
}

func TestTxCountsRollbacksAndZeroValue(t *testing.T) {
	var tx memory.Tx
	boom := errors.New("boom")
	if err := tx.Do(context.Background(), func(context.Context) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Do = %v", err)
	}
	if tx.Commits() != 0 || tx.Rollbacks() != 1 {
		t.Errorf("commits %d, rollbacks %d; want 0, 1", tx.Commits(), tx.Rollbacks())
	}
}

// TestTxStaleContextStartsANewTransaction: a context kept from a finished transaction
// does not join it.
func TestTxStaleContextStartsANewTransaction(t *testing.T) {
	tx := memory.NewTx()
	outbox := memory.NewOutbox(tx)
	var stale context.Context
	_ = tx.Do(context.Background(), func(ctx context.Context) error { stale = ctx; return nil })
	ran := false
	tx.AfterCommit(stale, func() { ran = true })
	if !ran {
		t.Error("AfterCommit on a finished transaction's context did not run at once")
	}
	err := tx.Do(stale, func(ctx context.Context) error {
		_ = outbox.Publish(ctx, contract.Event("x", "y"))
		return errors.New("no")
	})
	if err == nil || len(outbox.Events()) != 0 || tx.Rollbacks() != 1 {
		t.Errorf("a stale context joined a finished transaction: %v, %v", err, outbox.Names())
	}
}
