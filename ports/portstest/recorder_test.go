package portstest_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/keelhq/keel/adapters/memory"
	"github.com/keelhq/keel/ports"
	"github.com/keelhq/keel/ports/portstest"
)

var (
	_ memory.Participant = (*portstest.Recorder[int])(nil)
	_ ports.JobQueue     = (*portstest.JobQueue)(nil)
	_ memory.Participant = (*portstest.JobQueue)(nil)
)

type job string

// event is a ports.Event named by its value.
type event string

func (e event) EventName() string  { return string(e) }
func (e event) EventTopic() string { return "test" }

func (j job) Kind() string { return string(j) }

func TestRecorderAddAndItems(t *testing.T) {
	var r portstest.Recorder[string]
	if got := r.Items(); len(got) != 0 {
		t.Fatalf("zero Recorder holds %v", got)
	}
	for _, v := range []string{"a", "b"} {
		if err := r.Add(v); err != nil {
			t.Fatal(err)
		}
	}
	items := r.Items()
	if !slices.Equal(items, []string{"a", "b"}) {
		t.Fatalf("items = %v", items)
	}
	items[0] = "changed"
	if got := r.Items(); got[0] != "a" {
		t.Errorf("Items exposes the recorder's storage: %v", got)
	}
}

func TestRecorderErr(t *testing.T) {
	r := &portstest.Recorder[int]{}
	_ = r.Add(1)
	r.Err = errors.New("down")
	if err := r.Add(2); !errors.Is(err, r.Err) {
		t.Errorf("Add = %v, want Err", err)
	}
	r.Err = nil
	if err := r.Add(3); err != nil {
		t.Fatal(err)
	}
	if got := r.Items(); !slices.Equal(got, []int{1, 3}) {
		t.Errorf("items = %v, want the failed value left out", got)
	}
}

func TestRecorderSnapshot(t *testing.T) {
	r := &portstest.Recorder[int]{}
	_ = r.Add(1)
	restore := r.Snapshot()
	_ = r.Add(2)
	_ = r.Add(3)
	restore()
	if got := r.Items(); !slices.Equal(got, []int{1}) {
		t.Errorf("after restore: %v, want [1]", got)
	}
	_ = r.Add(4)
	if got := r.Items(); !slices.Equal(got, []int{1, 4}) {
		t.Errorf("after restore and Add: %v, want [1 4]", got)
	}
}

func TestRecorderConcurrentAdd(t *testing.T) {
	r := &portstest.Recorder[int]{}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() { _ = r.Add(i); _ = r.Items() })
	}
	wg.Wait()
	if got := len(r.Items()); got != 16 {
		t.Errorf("%d items, want 16", got)
	}
}

func TestJobQueue(t *testing.T) {
	q := &portstest.JobQueue{}
	if err := q.Enqueue(context.Background(), job("email.send")); err != nil {
		t.Fatal(err)
	}
	if got := q.Items(); len(got) != 1 || got[0].Kind() != "email.send" {
		t.Errorf("Items = %+v", got)
	}
	q.Err = errors.New("queue down")
	if err := q.Enqueue(context.Background(), job("other")); !errors.Is(err, q.Err) || len(q.Items()) != 1 {
		t.Errorf("failing Enqueue = %v", err)
	}
}

// TestRecordersRollBackWithTx runs a recorder in memory.Tx beside the outbox, as a
// service under test does.
func TestRecordersRollBackWithTx(t *testing.T) {
	tx := memory.NewTx()
	jobs := &portstest.JobQueue{}
	tx.Register(jobs)
	events := memory.NewOutbox(tx)
	ctx := context.Background()
	write := func(ctx context.Context) error {
		if err := events.Publish(ctx, event("x.done")); err != nil {
			return err
		}
		return jobs.Enqueue(ctx, job("x.follow_up"))
	}
	if err := tx.Do(ctx, write); err != nil {
		t.Fatal(err)
	}
	jobs.Err = errors.New("queue down")
	if err := tx.Do(ctx, write); !errors.Is(err, jobs.Err) {
		t.Fatalf("Do = %v, want the queue's error", err)
	}
	if len(events.Events()) != 1 || len(jobs.Items()) != 1 {
		t.Errorf("the failed transaction left traces: events %v, jobs %v", events.Names(), jobs.Items())
	}
}
