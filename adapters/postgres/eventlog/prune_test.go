package eventlog

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestPrune(t *testing.T) {
	t.Parallel()
	ctx, db := open(t)
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	keep := Retention{Age: 24 * time.Hour, Count: 3}
	old, young, cutoff := now.Add(-48*time.Hour), now.Add(-time.Hour), now.Add(-24*time.Hour)
	// Per topic, the age of each entry (offsets 1, 2, ...) and whether it was published.
	topics := []struct {
		topic     string
		ages      []time.Time
		published bool
		removed   []int64 // the offsets Prune must remove
	}{
		{"user:old", []time.Time{old, old, old, old, old, old}, true, []int64{1, 2, 3}},
		{"user:young", []time.Time{young, young, young, young, young, young}, true, nil},
		{"user:mixed", []time.Time{old, old, young, young, young, young}, true, []int64{1, 2}},
		{"user:few", []time.Time{old, old}, true, nil},
		{"user:at-cutoff", []time.Time{cutoff, cutoff, cutoff, cutoff, old}, true, nil},
		{"user:unpublished", []time.Time{old, old, old, old, old}, false, nil},
	}
	var wantLeft []string
	for _, tt := range topics {
		head := &topicRow{Topic: tt.topic, Epoch: "e", LastOffset: int64(len(tt.ages))}
		if _, err := db.NewInsert().Model(head).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for i, at := range tt.ages {
			off := int64(i + 1)
			id := uuid.Must(uuid.NewV7())
			if _, err := db.NewRaw("INSERT INTO outbox_events (id, name, topic, payload, created_at, published_at) VALUES (?, 'x.y', ?, '{}', ?, ?)",
				id, tt.topic, at, now).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			row := &entryRow{Topic: tt.topic, Epoch: "e", Offset: off, EventID: id, Name: "x.y", Data: []byte(`{}`), CreatedAt: at}
			if tt.published {
				row.PublishedAt = now
			}
			if _, err := db.NewInsert().Model(row).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(tt.removed, off) {
				wantLeft = append(wantLeft, fmt.Sprintf("%s/%d", tt.topic, off))
			}
		}
	}
	p := NewPruner(db, keep)
	removed, err := p.Prune(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if removed != 5 {
		t.Errorf("removed %d entries, want 5", removed)
	}
	var left []string
	for _, row := range logRows(t, ctx, db) {
		left = append(left, fmt.Sprintf("%s/%d", row.Topic, row.Offset))
	}
	if fmt.Sprint(left) != fmt.Sprint(wantLeft) {
		t.Errorf("left\n%v\nwant\n%v", left, wantLeft)
	}
	// The outbox rows of the removed entries went with them, and only those.
	var outboxLeft int
	if err := db.NewRaw("SELECT count(*) FROM outbox_events o WHERE EXISTS (SELECT 1 FROM event_log l WHERE l.event_id = o.id)").Scan(ctx, &outboxLeft); err != nil {
		t.Fatal(err)
	}
	if total, _ := db.NewSelect().Table("outbox_events").Count(ctx); int(total) != len(wantLeft) || outboxLeft != len(wantLeft) {
		t.Errorf("outbox: %d rows, %d with an entry; want %d", total, outboxLeft, len(wantLeft))
	}
	if again, err := p.Prune(ctx, now); err != nil || again != 0 {
		t.Errorf("second prune: %d %v", again, err)
	}
	// A replay from before the pruned range is a reset; from the bound, it works.
	if _, err := New(db).Replay(ctx, "user:old", "e", 0, 10); err != ErrReset {
		t.Errorf("replay of pruned entries: %v", err)
	}
	if got, err := New(db).Replay(ctx, "user:old", "e", 3, 10); err != nil || fmt.Sprint(offsets(got)) != "[4 5 6]" {
		t.Errorf("replay from the bound: %v %v", offsets(got), err)
	}
}

func TestPruneRefusesZeroCount(t *testing.T) {
	t.Parallel()
	ctx, db := open(t)
	if _, err := NewPruner(db, Retention{Age: time.Hour}).Prune(ctx, time.Now()); err == nil {
		t.Error("pruned with a retention count of 0")
	}
}

// Entries of an older epoch count among the last Count of their topic by recording order.
func TestPruneAcrossEpochs(t *testing.T) {
	t.Parallel()
	ctx, db := open(t)
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	old := now.Add(-48 * time.Hour)
	insert := func(topic, epoch string, off int64) {
		row := &entryRow{Topic: topic, Epoch: epoch, Offset: off, EventID: uuid.Must(uuid.NewV7()), Name: "x.y",
			Data: []byte(`{}`), CreatedAt: old, PublishedAt: now}
		if _, err := db.NewInsert().Model(row).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for off := range int64(4) {
		insert("user:e", "before", off+1)
	}
	for off := range int64(2) {
		insert("user:e", "after", off+1)
	}
	if _, err := db.NewInsert().Model(&topicRow{Topic: "user:e", Epoch: "after", LastOffset: 2}).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	removed, err := NewPruner(db, Retention{Age: 24 * time.Hour, Count: 3}).Prune(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, row := range logRows(t, ctx, db) {
		left = append(left, fmt.Sprintf("%s/%d", row.Epoch, row.Offset))
	}
	// The last three by seq are after/2, after/1 and before/4.
	if removed != 3 || fmt.Sprint(left) != "[before/4 after/1 after/2]" {
		t.Errorf("removed %d, left %v", removed, left)
	}
}

// More than one batch to remove: Prune goes on until none is left.
func TestPruneManyBatches(t *testing.T) {
	t.Parallel()
	ctx, db := open(t)
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	const total, keep = 2*pruneBatch + 1500, 1000
	_, err := db.NewRaw(`INSERT INTO event_log (topic, epoch, "offset", event_id, name, data, created_at, published_at)
SELECT 'broadcast', 'e', i, gen_random_uuid(), 'x.y', '{}', ?, ? FROM generate_series(1, ?) i`, now.Add(-48*time.Hour), now, total).Exec(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.NewInsert().Model(&topicRow{Topic: "broadcast", Epoch: "e", LastOffset: total}).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	removed, err := NewPruner(db, Retention{Age: time.Hour, Count: keep}).Prune(ctx, now)
	if err != nil || removed != total-keep {
		t.Fatalf("removed %d (%v), want %d", removed, err, total-keep)
	}
	var lo, n int64
	if err := db.NewRaw(`SELECT min("offset"), count(*) FROM event_log`).Scan(ctx, &lo, &n); err != nil || lo != total-keep+1 || n != keep {
		t.Errorf("left %d entries from offset %d (%v), want %d from %d", n, lo, err, keep, total-keep+1)
	}
}
