// Package contract holds the contract suite of the shared transaction and outbox ports
// (ports.Tx with ports.Events): every implementation runs the same tests, the in-memory
// one in its unit tests and the PostgreSQL one against a real database.
package contract

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/keelhq/keel/ports"
)

// Published is what the suite can see of a committed event: its name and topic.
type Published struct {
	Name  string
	Topic string
}

// TxEvents is one implementation of the ports under test, fresh and empty.
type TxEvents struct {
	Tx     ports.Tx
	Events ports.Events
	// Published returns the committed events, oldest first, as a reader outside every
	// transaction sees them (for PostgreSQL: the outbox_events rows).
	Published func(t *testing.T) []Published
}

// event is the suite's ports.Event.
type event struct{ name, topic string }

func (e event) EventName() string  { return e.name }
func (e event) EventTopic() string { return e.topic }

// Event returns an event with the name and topic, for an implementation's own tests.
func Event(name, topic string) ports.Event { return event{name, topic} }

var errBoom = errors.New("contract: boom")

// TxEventsContract runs the contract of ports.Tx and ports.Events against the
// implementations newPorts returns, a fresh set per subtest (subtests run in parallel):
//   - an event published outside a transaction is committed at once;
//   - events published inside Do commit together when fn returns nil;
//   - when fn returns an error, Do returns it and every event fn published is gone;
//   - a panic inside Do rolls back and is re-raised, and the Tx stays usable;
//   - nested Do calls join the outer transaction: the outer one's error or success
//     decides for the inner one's events, and an inner error reaches the outer fn;
//   - AfterCommit hooks run after the commit (seeing its events), in order, exactly once;
//     never after a rollback; at once outside a transaction;
//   - concurrent transactions do not undo each other.
func TxEventsContract(t *testing.T, newPorts func(t *testing.T) TxEvents) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, p TxEvents)
	}{
		{"publish outside a transaction commits at once", testPublishOutside},
		{"commit keeps every event", testCommit},
		{"error rolls back every event", testRollback},
		{"panic rolls back and is re-raised", testPanic},
		{"nested Do joins the outer transaction", testNested},
		{"AfterCommit runs after commit, in order", testAfterCommit},
		{"AfterCommit never runs after rollback", testAfterCommitRollback},
		{"AfterCommit outside a transaction runs at once", testAfterCommitOutside},
		{"concurrent transactions", testConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, newPorts(t))
		})
	}
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// publish publishes an event named name on topic "contract".
func publish(t *testing.T, ctx context.Context, p TxEvents, name string) error {
	t.Helper()
	if err := p.Events.Publish(ctx, event{name, "contract"}); err != nil {
		return fmt.Errorf("publish %s: %w", name, err)
	}
	return nil
}

// names returns the names of the committed events, oldest first.
func names(t *testing.T, p TxEvents) []string {
	t.Helper()
	var out []string
	for _, ev := range p.Published(t) {
		out = append(out, ev.Name)
	}
	return out
}

// wantNames fails unless exactly the named events are committed, in order.
func wantNames(t *testing.T, p TxEvents, want ...string) {
	t.Helper()
	if got := names(t, p); !slices.Equal(got, want) {
		t.Errorf("committed events %q, want %q", got, want)
	}
}

func testPublishOutside(t *testing.T, p TxEvents) {
	ctx := testCtx(t)
	if err := p.Events.Publish(ctx, event{"x.created", "x:1"}); err != nil {
		t.Fatal(err)
	}
	got := p.Published(t)
	if want := []Published{{"x.created", "x:1"}}; !slices.Equal(got, want) {
		t.Errorf("published %v, want %v", got, want)
	}
}

func testCommit(t *testing.T, p TxEvents) {
	ctx := testCtx(t)
	err := p.Tx.Do(ctx, func(ctx context.Context) error {
		if err := publish(t, ctx, p, "a.one"); err != nil {
			return err
		}
		return publish(t, ctx, p, "a.two")
	})
	if err != nil {
		t.Fatal(err)
	}
	wantNames(t, p, "a.one", "a.two")
}

func testRollback(t *testing.T, p TxEvents) {
	ctx := testCtx(t)
	if err := publish(t, ctx, p, "before"); err != nil {
		t.Fatal(err)
	}
	err := p.Tx.Do(ctx, func(ctx context.Context) error {
		if err := publish(t, ctx, p, "a.one"); err != nil {
			return err
		}
		if err := publish(t, ctx, p, "a.two"); err != nil {
			return err
		}
		return fmt.Errorf("wrapped: %w", errBoom)
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Do = %v, want fn's error", err)
	}
	wantNames(t, p, "before")
	if err := p.Tx.Do(ctx, func(ctx context.Context) error { return publish(t, ctx, p, "after") }); err != nil {
		t.Fatal(err)
	}
	wantNames(t, p, "before", "after")
}

func testPanic(t *testing.T, p TxEvents) {
	ctx := testCtx(t)
	hooked := false
	func() {
		defer func() {
			if r := recover(); r != errBoom {
				t.Errorf("recovered %v, want the panic value re-raised", r)
			}
		}()
		_ = p.Tx.Do(ctx, func(ctx context.Context) error {
			if err := publish(t, ctx, p, "lost"); err != nil {
				return err
			}
			p.Tx.AfterCommit(ctx, func() { hooked = true })
			panic(errBoom)
		})
		t.Error("Do returned after a panic")
	}()
	wantNames(t, p)
	if hooked {
		t.Error("AfterCommit hook ran after a panic")
	}
	if err := p.Tx.Do(ctx, func(ctx context.Context) error { return publish(t, ctx, p, "next") }); err != nil {
		t.Fatalf("Do after a panic: %v", err)
	}
	wantNames(t, p, "next")
}

func testNested(t *testing.T, p TxEvents) {
	ctx := testCtx(t)
	inner := func(ctx context.Context, name string, result error) error {
		return p.Tx.Do(ctx, func(ctx context.Context) error {
			if err := publish(t, ctx, p, name); err != nil {
				return err
			}
			return result
		})
	}
	// The outer error undoes a committed-looking inner call.
	err := p.Tx.Do(ctx, func(ctx context.Context) error {
		if err := inner(ctx, "inner.ok", nil); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Do = %v, want the outer error", err)
	}
	wantNames(t, p)
	// An inner error reaches the outer fn, which decides.
	err = p.Tx.Do(ctx, func(ctx context.Context) error {
		if err := inner(ctx, "inner.failed", errBoom); !errors.Is(err, errBoom) {
			t.Errorf("inner Do = %v, want its fn's error", err)
		}
		return publish(t, ctx, p, "outer")
	})
	if err != nil {
		t.Fatal(err)
	}
	// Joined, not a savepoint: the inner writes commit with the outer transaction.
	wantNames(t, p, "inner.failed", "outer")
}

func testAfterCommit(t *testing.T, p TxEvents) {
	ctx := testCtx(t)
	var mu sync.Mutex
	var log []string
	add := func(s string) { mu.Lock(); log = append(log, s); mu.Unlock() }
	err := p.Tx.Do(ctx, func(ctx context.Context) error {
		if err := publish(t, ctx, p, "a.done"); err != nil {
			return err
		}
		p.Tx.AfterCommit(ctx, func() { add(fmt.Sprintf("hook 1 sees %q", names(t, p))) })
		return p.Tx.Do(ctx, func(ctx context.Context) error {
			p.Tx.AfterCommit(ctx, func() { add("hook 2") })
			mu.Lock()
			defer mu.Unlock()
			if len(log) != 0 {
				t.Errorf("hooks ran before commit: %q", log)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`hook 1 sees ["a.done"]`, "hook 2"}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(log, want) {
		t.Errorf("hooks logged %q, want %q", log, want)
	}
}

func testAfterCommitRollback(t *testing.T, p TxEvents) {
	ctx := testCtx(t)
	ran := 0
	err := p.Tx.Do(ctx, func(ctx context.Context) error {
		p.Tx.AfterCommit(ctx, func() { ran++ })
		return p.Tx.Do(ctx, func(ctx context.Context) error {
			p.Tx.AfterCommit(ctx, func() { ran++ })
			return errBoom
		})
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Do = %v, want the error", err)
	}
	if err := p.Tx.Do(ctx, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if ran != 0 {
		t.Errorf("%d hooks of a rolled-back transaction ran", ran)
	}
}

func testAfterCommitOutside(t *testing.T, p TxEvents) {
	ctx := testCtx(t)
	ran := false
	p.Tx.AfterCommit(ctx, func() { ran = true })
	if !ran {
		t.Error("AfterCommit outside a transaction did not run at once")
	}
}

// testConcurrent runs transactions from several goroutines, half of them failing: the
// committed events are exactly those of the committed transactions.
func testConcurrent(t *testing.T, p TxEvents) {
	ctx := testCtx(t)
	const n = 8
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			err := p.Tx.Do(ctx, func(ctx context.Context) error {
				if err := publish(t, ctx, p, fmt.Sprintf("e%d.a", i)); err != nil {
					return err
				}
				time.Sleep(5 * time.Millisecond) // let the transactions overlap
				if err := publish(t, ctx, p, fmt.Sprintf("e%d.b", i)); err != nil {
					return err
				}
				if i%2 == 1 {
					return errBoom
				}
				return nil
			})
			if (err != nil) != (i%2 == 1) {
				t.Errorf("transaction %d: Do = %v", i, err)
			}
		})
	}
	wg.Wait()
	got := names(t, p)
	slices.Sort(got)
	var want []string
	for i := 0; i < n; i += 2 {
		want = append(want, fmt.Sprintf("e%d.a", i), fmt.Sprintf("e%d.b", i))
	}
	if !slices.Equal(got, want) {
		t.Errorf("committed %q, want %q", got, want)
	}
}
