package eventlog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/keelhq/keel/platform/testkit/pgtest"
)

var t0 = time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)

func open(t *testing.T) (context.Context, *bun.DB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx, pgtest.Open(t).Bun
}

// record writes entries straight into the tables: offsets from..to of topic in epoch,
// the topic's head at `to`, each a minute after the previous, starting at start.
func record(t *testing.T, ctx context.Context, db *bun.DB, topic, epoch string, from, to int64, start time.Time) {
	t.Helper()
	for off := from; off <= to; off++ {
		r := &entryRow{
			Topic: topic, Epoch: epoch, Offset: off, EventID: uuid.Must(uuid.NewV7()), Name: "user.updated",
			Data: json.RawMessage(fmt.Sprintf(`{"n": %d}`, off)), CreatedAt: start.Add(time.Duration(off) * time.Minute),
		}
		if _, err := db.NewInsert().Model(r).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	head := &topicRow{Topic: topic, Epoch: epoch, LastOffset: to}
	if _, err := db.NewInsert().Model(head).On("CONFLICT (topic) DO UPDATE").Set("epoch = EXCLUDED.epoch, last_offset = EXCLUDED.last_offset").Exec(ctx); err != nil {
		t.Fatal(err)
	}
}

func offsets(entries []Entry) []int64 {
	out := make([]int64, len(entries))
	for i, e := range entries {
		out[i] = e.Offset
	}
	return out
}

func TestHead(t *testing.T) {
	t.Parallel()
	ctx, db := open(t)
	l := New(db)
	epoch, last, err := l.Head(ctx, "user:none")
	if err != nil || epoch != "" || last != 0 {
		t.Fatalf("unknown topic: %q %d %v", epoch, last, err)
	}
	record(t, ctx, db, "admin", "e1", 1, 3, t0)
	epoch, last, err = l.Head(ctx, "admin")
	if err != nil || epoch != "e1" || last != 3 {
		t.Fatalf("admin: %q %d %v", epoch, last, err)
	}
}

func TestReplay(t *testing.T) {
	t.Parallel()
	ctx, db := open(t)
	l := New(db)
	record(t, ctx, db, "broadcast", "e1", 1, 10, t0)
	record(t, ctx, db, "admin", "e1", 1, 4, t0)
	// pruned: offsets 1..4 of "user:p" are gone, 5..8 remain.
	record(t, ctx, db, "user:p", "e2", 5, 8, t0)
	// a hole: offset 3 of "user:h" is missing.
	record(t, ctx, db, "user:h", "e3", 1, 2, t0)
	record(t, ctx, db, "user:h", "e3", 4, 5, t0)
	tests := []struct {
		name, topic, epoch string
		after              int64
		limit              int
		want               []int64
		reset              bool
	}{
		{"all", "broadcast", "e1", 0, 100, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, false},
		{"after 7", "broadcast", "e1", 7, 100, []int64{8, 9, 10}, false},
		{"limited", "broadcast", "e1", 2, 3, []int64{3, 4, 5}, false},
		{"up to date", "broadcast", "e1", 10, 100, nil, false},
		{"other topic untouched", "admin", "e1", 0, 100, []int64{1, 2, 3, 4}, false},
		{"beyond the head", "broadcast", "e1", 11, 100, nil, true},
		{"negative", "broadcast", "e1", -1, 100, nil, true},
		{"old epoch", "broadcast", "e0", 3, 100, nil, true},
		{"unknown topic", "user:none", "e1", 0, 100, nil, true},
		{"pruned past the bound", "user:p", "e2", 2, 100, nil, true},
		{"just at the bound", "user:p", "e2", 4, 100, []int64{5, 6, 7, 8}, false},
		{"hole", "user:h", "e3", 1, 100, nil, true},
		{"after the hole", "user:h", "e3", 3, 100, []int64{4, 5}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := l.Replay(ctx, tt.topic, tt.epoch, tt.after, tt.limit)
			if tt.reset {
				if !errors.Is(err, ErrReset) {
					t.Fatalf("got %v %v, want ErrReset", offsets(got), err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(offsets(got)) != fmt.Sprint(tt.want) {
				t.Fatalf("offsets %v, want %v", offsets(got), tt.want)
			}
			for _, e := range got {
				if e.Topic != tt.topic || e.Epoch != tt.epoch || e.Name != "user.updated" || e.ID == uuid.Nil ||
					!e.At.Equal(t0.Add(time.Duration(e.Offset)*time.Minute)) || e.At.Location() != time.UTC ||
					string(e.Data) != fmt.Sprintf(`{"n": %d}`, e.Offset) {
					t.Errorf("entry %+v", e)
				}
			}
		})
	}
}

func TestTailAndLastSeq(t *testing.T) {
	t.Parallel()
	ctx, db := open(t)
	l := New(db)
	if seq, err := l.LastSeq(ctx); err != nil || seq != 0 {
		t.Fatalf("empty log: %d %v", seq, err)
	}
	if got, err := l.Tail(ctx, 0, 10); err != nil || len(got) != 0 {
		t.Fatalf("empty tail: %v %v", got, err)
	}
	record(t, ctx, db, "admin", "e1", 1, 3, t0)
	record(t, ctx, db, "broadcast", "e1", 1, 2, t0)
	last, err := l.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all, err := l.Tail(ctx, 0, 100)
	if err != nil || len(all) != 5 || all[4].Seq != last {
		t.Fatalf("tail: %d entries, last seq %d, want 5 ending at %d (%v)", len(all), all[len(all)-1].Seq, last, err)
	}
	want := []string{"admin/1", "admin/2", "admin/3", "broadcast/1", "broadcast/2"}
	for i, e := range all {
		if got := fmt.Sprintf("%s/%d", e.Topic, e.Offset); got != want[i] || (i > 0 && e.Seq <= all[i-1].Seq) {
			t.Errorf("entry %d: %s seq %d, want %s in seq order", i, got, e.Seq, want[i])
		}
	}
	page, err := l.Tail(ctx, all[1].Seq, 2)
	if err != nil || len(page) != 2 || page[0].Seq != all[2].Seq || page[1].Seq != all[3].Seq {
		t.Fatalf("page after %d: %+v %v", all[1].Seq, page, err)
	}
	if rest, err := l.Tail(ctx, last, 10); err != nil || len(rest) != 0 {
		t.Fatalf("after the last: %v %v", rest, err)
	}
}
