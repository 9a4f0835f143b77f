package memory_test

// The participants' side of memory.Tx, which the shared contract suite (ports/contract)
// cannot see: registered participants are put back on rollback, in registration order.

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/keelhq/keel/adapters/memory"
	"github.com/keelhq/keel/ports/contract"
)

var boom = errors.New("boom")

var _ memory.Participant = (*counter)(nil)

// counter is a Participant holding one number; restored logs each restore by name.
type counter struct {
	name     string
	n        int
	restored *[]string
}

func (c *counter) Snapshot() func() {
	saved := c.n
	return func() {
		c.n = saved
		*c.restored = append(*c.restored, c.name)
	}
}

func TestTxCommitRunsHooksAfterFnInOrder(t *testing.T) {
	var log []string
	a := &counter{name: "a", restored: &log}
	tx := memory.NewTx(a)
	err := tx.Do(context.Background(), func(ctx context.Context) error {
		a.n = 1
		tx.AfterCommit(ctx, func() { log = append(log, "hook 1") })
		tx.AfterCommit(ctx, func() { log = append(log, "hook 2") })
		if len(log) != 0 {
			t.Errorf("hooks ran before commit: %v", log)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if a.n != 1 || !slices.Equal(log, []string{"hook 1", "hook 2"}) {
		t.Errorf("after commit: n = %d, log %v; want 1 and both hooks in order", a.n, log)
	}
	if tx.Commits() != 1 || tx.Rollbacks() != 0 {
		t.Errorf("commits %d, rollbacks %d; want 1, 0", tx.Commits(), tx.Rollbacks())
	}
}

func TestTxRollbackRestoresEveryParticipantAndDropsHooks(t *testing.T) {
	var log []string
	a, b := &counter{name: "a", n: 1, restored: &log}, &counter{name: "b", n: 2, restored: &log}
	tx := memory.NewTx(a)
	tx.Register(b)
	err := tx.Do(context.Background(), func(ctx context.Context) error {
		a.n, b.n = 10, 20
		tx.AfterCommit(ctx, func() { log = append(log, "hook") })
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Do = %v, want fn's error", err)
	}
	if a.n != 1 || b.n != 2 {
		t.Errorf("not restored: a %d, b %d", a.n, b.n)
	}
	if !slices.Equal(log, []string{"a", "b"}) {
		t.Errorf("log = %v, want both restored in registration order and no hook", log)
	}
	if tx.Commits() != 0 || tx.Rollbacks() != 1 {
		t.Errorf("commits %d, rollbacks %d; want 0, 1", tx.Commits(), tx.Rollbacks())
	}
}

func TestTxNestedCallsJoinTheOutermost(t *testing.T) {
	var log []string
	a := &counter{name: "a", restored: &log}
	tx := memory.NewTx(a)
	var hooked bool
	err := tx.Do(context.Background(), func(ctx context.Context) error {
		a.n = 1
		if err := tx.Do(ctx, func(ctx context.Context) error {
			a.n = 2
			tx.AfterCommit(ctx, func() { hooked = true })
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if hooked || tx.Commits() != 0 {
			t.Errorf("the inner call committed on its own: hooked %v, commits %d", hooked, tx.Commits())
		}
		return tx.Do(ctx, func(context.Context) error { return boom })
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Do = %v, want the inner error", err)
	}
	if a.n != 0 || hooked || !slices.Equal(log, []string{"a"}) {
		t.Errorf("after rollback: n %d, hooked %v, restores %v; want 0, false, one restore", a.n, hooked, log)
	}
	if tx.Commits() != 0 || tx.Rollbacks() != 1 {
		t.Errorf("commits %d, rollbacks %d; want 0, 1", tx.Commits(), tx.Rollbacks())
	}
}

func TestTxRecoversForTheNextTransaction(t *testing.T) {
	tx := memory.NewTx()
	out := memory.NewOutbox(tx)
	_ = tx.Do(context.Background(), func(ctx context.Context) error {
		_ = out.Publish(ctx, contract.Event("x.one", "test"))
		return boom
	})
	if err := tx.Do(context.Background(), func(ctx context.Context) error {
		return out.Publish(ctx, contract.Event("x.two", "test"))
	}); err != nil {
		t.Fatal(err)
	}
	if got := out.Names(); !slices.Equal(got, []string{"x.two"}) {
		t.Errorf("events = %v, want [x.two]", got)
	}
	if tx.Commits() != 1 || tx.Rollbacks() != 1 {
		t.Errorf("commits %d, rollbacks %d; want 1, 1", tx.Commits(), tx.Rollbacks())
	}
}

func TestTxAfterCommitOutsideATransactionRunsAtOnce(t *testing.T) {
	var tx memory.Tx
	ran := false
	tx.AfterCommit(context.Background(), func() { ran = true })
	if !ran {
		t.Error("the hook did not run at once")
	}
	if err := tx.Do(context.Background(), func(context.Context) error { return nil }); err != nil {
		t.Errorf("zero Tx: %v", err)
	}
}

func TestTxConcurrentHooks(t *testing.T) {
	tx := memory.NewTx()
	var mu sync.Mutex
	ran := 0
	err := tx.Do(context.Background(), func(ctx context.Context) error {
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				tx.AfterCommit(ctx, func() { mu.Lock(); ran++; mu.Unlock() })
			})
		}
		wg.Wait()
		return nil
	})
	if err != nil || ran != 8 {
		t.Errorf("Do = %v, %d hooks ran; want nil, 8", err, ran)
	}
}
