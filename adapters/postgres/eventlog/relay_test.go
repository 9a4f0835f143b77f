package eventlog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// produce commits one outbox event on topic, as the outbox adapter would, and returns its id.
func produce(t testing.TB, ctx context.Context, db bun.IDB, topic string) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	_, err := db.NewRaw("INSERT INTO outbox_events (id, name, topic, payload, created_at) VALUES (?, 'user.updated', ?, ?, ?)",
		id, topic, fmt.Sprintf(`{"id": %q}`, id), time.Now().UTC()).Exec(ctx)
	if err != nil {
		t.Error(err)
	}
	return id
}

// recorder is a Publisher remembering what it was handed, failing while fail is set.
type recorder struct {
	mu   sync.Mutex
	got  []Entry
	fail error
}

func (p *recorder) Publish(_ context.Context, entries []Entry) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return p.fail
	}
	p.got = append(p.got, entries...)
	return nil
}

func (p *recorder) published() []Entry {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.got)
}

func now() time.Time { return time.Now() }

// logRows returns the whole log in seq order.
func logRows(t *testing.T, ctx context.Context, db *bun.DB) []entryRow {
	t.Helper()
	var rows []entryRow
	if err := db.NewSelect().Model(&rows).OrderExpr("l.seq").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	return rows
}

func unrecorded(t *testing.T, ctx context.Context, db *bun.DB) int64 {
	t.Helper()
	n, err := db.NewSelect().Table("outbox_events").Where("published_at IS NULL").Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAssign(t *testing.T) {
	t.Parallel()
	ctx, db := open(t)
	r := NewRelay(db, now)
	var ids []uuid.UUID
	for _, topic := range []string{"user:a", "broadcast", "user:a", "admin", "user:a"} {
		ids = append(ids, produce(t, ctx, db, topic))
	}
	if n, err := r.Assign(ctx, 3); err != nil || n != 3 {
		t.Fatalf("first batch: %d %v, want 3", n, err)
	}
	if n, err := r.Assign(ctx, 3); err != nil || n != 2 {
		t.Fatalf("second batch: %d %v, want 2", n, err)
	}
	if n, err := r.Assign(ctx, 3); err != nil || n != 0 {
		t.Fatalf("nothing left: %d %v", n, err)
	}
	produce(t, ctx, db, "broadcast")
	if n, err := r.Assign(ctx, 3); err != nil || n != 1 {
		t.Fatalf("later event: %d %v", n, err)
	}
	rows := logRows(t, ctx, db)
	want := []string{"user:a/1", "broadcast/1", "user:a/2", "admin/1", "user:a/3", "broadcast/2"}
	epochs := map[string]string{}
	for i, row := range rows {
		if got := fmt.Sprintf("%s/%d", row.Topic, row.Offset); got != want[i] {
			t.Errorf("entry %d is %s, want %s", i, got, want[i])
		}
		if i < len(ids) && row.EventID != ids[i] {
			t.Errorf("entry %d is event %s, want %s (creation order)", i, row.EventID, ids[i])
		}
		if e, seen := epochs[row.Topic]; seen && e != row.Epoch {
			t.Errorf("%s changed epoch within one run: %s then %s", row.Topic, e, row.Epoch)
		}
		epochs[row.Topic] = row.Epoch
		if !row.PublishedAt.IsZero() || row.Name != "user.updated" || !json.Valid(row.Data) {
			t.Errorf("entry %d: %+v", i, row)
		}
	}
	if len(rows) != len(want) {
		t.Fatalf("%d entries, want %d", len(rows), len(want))
	}
	if epochs["user:a"] == epochs["admin"] {
		t.Error("two topics share an epoch")
	}
	if n := unrecorded(t, ctx, db); n != 0 {
		t.Errorf("%d outbox events left unrecorded", n)
	}
	l := New(db)
	if epoch, last, _ := l.Head(ctx, "user:a"); epoch != epochs["user:a"] || last != 3 {
		t.Errorf("head of user:a: %s %d", epoch, last)
	}
}

// A failed assignment changes nothing: the next one gives the same offsets.
func TestAssignFailureChangesNothing(t *testing.T) {
	t.Parallel()
	ctx, db := open(t)
	r := NewRelay(db, now)
	produce(t, ctx, db, "admin")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := r.Assign(cancelled, 10); err == nil {
		t.Fatal("assigned with a cancelled context")
	}
	if rows := logRows(t, ctx, db); len(rows) != 0 {
		t.Fatalf("%d entries after a failed assignment", len(rows))
	}
	if n, err := r.Assign(ctx, 10); n != 1 || err != nil {
		t.Fatalf("retry: %d %v", n, err)
	}
	if rows := logRows(t, ctx, db); len(rows) != 1 || rows[0].Offset != 1 {
		t.Fatalf("after the retry: %+v", rows)
	}
}

func TestPublish(t *testing.T) {
	t.Parallel()
	ctx, db := open(t)
	r := NewRelay(db, now)
	for range 5 {
		produce(t, ctx, db, "admin")
	}
	if _, err := r.Assign(ctx, 10); err != nil {
		t.Fatal(err)
	}
	pub := &recorder{fail: errors.New("redis away")}
	if got, err := r.Publish(ctx, 3, pub); err == nil || len(got) != 0 {
		t.Fatalf("failing publisher: %d entries, %v", len(got), err)
	}
	pub.fail = nil
	first, err := r.Publish(ctx, 3, pub)
	if err != nil || len(first) != 3 {
		t.Fatalf("first batch: %d %v", len(first), err)
	}
	rest, err := r.Publish(ctx, 3, pub)
	if err != nil || len(rest) != 2 {
		t.Fatalf("second batch: %d %v", len(rest), err)
	}
	if none, err := r.Publish(ctx, 3, pub); err != nil || len(none) != 0 {
		t.Fatalf("nothing left: %d %v", len(none), err)
	}
	var offsets []int64
	for _, e := range pub.published() {
		offsets = append(offsets, e.Offset)
	}
	if fmt.Sprint(offsets) != "[1 2 3 4 5]" {
		t.Errorf("published offsets %v", offsets)
	}
	for _, row := range logRows(t, ctx, db) {
		if row.PublishedAt.IsZero() {
			t.Errorf("entry %d not recorded published", row.Offset)
		}
	}
}

// crashingPublisher publishes, then loses the connection before publication is recorded
// (it cancels the step's context, as a dying process would).
type crashingPublisher struct {
	recorder
	cancel context.CancelFunc
}

func (p *crashingPublisher) Publish(ctx context.Context, entries []Entry) error {
	err := p.recorder.Publish(ctx, entries)
	p.cancel()
	return err
}

// A crash between publishing and recording republishes the same offsets, never new ones.
func TestPublishCrashRepublishesSameOffsets(t *testing.T) {
	t.Parallel()
	ctx, db := open(t)
	r := NewRelay(db, now)
	for _, topic := range []string{"user:a", "user:b", "user:a"} {
		produce(t, ctx, db, topic)
	}
	if _, err := r.Assign(ctx, 10); err != nil {
		t.Fatal(err)
	}
	stepCtx, cancel := context.WithCancel(ctx)
	crashing := &crashingPublisher{cancel: cancel}
	if _, err := r.Publish(stepCtx, 10, crashing); err == nil {
		t.Fatal("publication recorded despite the crash")
	}
	again := &recorder{}
	if _, err := r.Publish(ctx, 10, again); err != nil {
		t.Fatal(err)
	}
	key := func(es []Entry) string {
		var s string
		for _, e := range es {
			s += fmt.Sprintf("%s/%s/%d/%s ", e.Topic, e.Epoch, e.Offset, e.ID)
		}
		return s
	}
	if a, b := key(crashing.published()), key(again.published()); a != b || len(again.published()) != 3 {
		t.Errorf("before the crash: %s\nafter:            %s", a, b)
	}
	if rows := logRows(t, ctx, db); len(rows) != 3 || rows[2].Offset != 2 {
		t.Errorf("the log changed: %+v", rows)
	}
}

// Without a fan-out (no Redis configured) entries are recorded published unsent.
func TestPublishWithoutFanout(t *testing.T) {
	t.Parallel()
	ctx, db := open(t)
	r := NewRelay(db, now)
	produce(t, ctx, db, "admin")
	if _, err := r.Assign(ctx, 10); err != nil {
		t.Fatal(err)
	}
	if got, err := r.Publish(ctx, 10, nil); err != nil || len(got) != 1 {
		t.Fatalf("%d %v", len(got), err)
	}
	if rows := logRows(t, ctx, db); rows[0].PublishedAt.IsZero() {
		t.Error("not recorded")
	}
}
