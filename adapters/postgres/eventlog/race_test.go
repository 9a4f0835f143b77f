package eventlog

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/platform/database"
	"github.com/keelhq/keel/platform/testkit/pgtest"
)

// Several relays, each on its own pool as separate worker processes would be, race on one
// database while producers commit events: every event is recorded exactly once, offsets per
// topic are 1..n in creation order, publication per topic is in offset order, and a reader
// polling Tail (seq > last seen) misses nothing, because seq order is commit order.
func TestRelaysRace(t *testing.T) {
	t.Parallel()
	const relays, topics, perTopic, batch = 4, 6, 60, 7
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	url := pgtest.URL(t)
	openDB := func() *database.DB {
		db, err := database.Open(database.Options{URL: url, MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(db.Close)
		return db
	}
	check := openDB().Bun
	pub := &recorder{}

	created, producing := produceConcurrently(t, ctx, openDB, topics, perTopic)
	var workers sync.WaitGroup
	for range relays {
		r := NewRelay(openDB().Bun, now)
		workers.Go(func() { relayUntilDone(t, ctx, r, batch, pub, producing) })
	}
	tailed := tailUntil(t, ctx, New(openDB().Bun), topics*perTopic)
	workers.Wait()

	rows := logRows(t, ctx, check)
	if len(rows) != topics*perTopic {
		t.Fatalf("%d entries, want %d", len(rows), topics*perTopic)
	}
	byTopic := map[string][]entryRow{}
	for _, row := range rows {
		byTopic[row.Topic] = append(byTopic[row.Topic], row)
	}
	for i := range topics {
		topic := fmt.Sprintf("user:%d", i)
		for j, row := range byTopic[topic] {
			if row.Offset != int64(j+1) || row.EventID != created[i][j] || row.Epoch != byTopic[topic][0].Epoch {
				t.Fatalf("%s entry %d: offset %d event %s epoch %s; want offset %d event %s", topic, j, row.Offset, row.EventID, row.Epoch, j+1, created[i][j])
			}
			if row.PublishedAt.IsZero() {
				t.Errorf("%s/%d never recorded published", topic, row.Offset)
			}
		}
	}
	if n := unrecorded(t, ctx, check); n != 0 {
		t.Errorf("%d outbox events unrecorded", n)
	}
	last := map[string]int64{}
	for _, e := range pub.published() {
		if e.Offset != last[e.Topic]+1 {
			t.Fatalf("%s: published offset %d after %d", e.Topic, e.Offset, last[e.Topic])
		}
		last[e.Topic] = e.Offset
	}
	if len(pub.published()) != len(rows) {
		t.Errorf("%d publications for %d entries", len(pub.published()), len(rows))
	}
	if len(tailed) != len(rows) {
		t.Errorf("the tail reader saw %d entries of %d", len(tailed), len(rows))
	}
}

// produceConcurrently starts one producer per topic, each committing perTopic events one
// after the other, and returns the ids each created (complete once producing is false).
func produceConcurrently(t *testing.T, ctx context.Context, openDB func() *database.DB, topics, perTopic int) ([][]uuid.UUID, *atomic.Bool) {
	created := make([][]uuid.UUID, topics)
	var producers sync.WaitGroup
	for i := range topics {
		db := openDB().Bun
		producers.Go(func() {
			for range perTopic {
				created[i] = append(created[i], produce(t, ctx, db, fmt.Sprintf("user:%d", i)))
			}
		})
	}
	producing := &atomic.Bool{}
	producing.Store(true)
	go func() { producers.Wait(); producing.Store(false) }()
	return created, producing
}

// relayUntilDone assigns and publishes until the producers are done and nothing is left.
func relayUntilDone(t *testing.T, ctx context.Context, r *Relay, batch int, pub Publisher, producing *atomic.Bool) {
	for {
		more := producing.Load()
		n, err := r.Assign(ctx, batch)
		if err != nil {
			t.Error(err)
			return
		}
		published, err := r.Publish(ctx, batch, pub)
		if err != nil {
			t.Error(err)
			return
		}
		if !more && n == 0 && len(published) == 0 {
			return
		}
	}
}

// tailUntil polls l.Tail as the api's fallback does until it has seen want entries,
// checking seq only ever grows.
func tailUntil(t *testing.T, ctx context.Context, l *Log, want int) []Entry {
	t.Helper()
	var seen []Entry
	var after int64
	for len(seen) < want {
		page, err := l.Tail(ctx, after, 13)
		if err != nil {
			t.Fatalf("tail after %d: %v (saw %d of %d)", after, err, len(seen), want)
		}
		for _, e := range page {
			if e.Seq <= after {
				t.Fatalf("seq %d after %d", e.Seq, after)
			}
			after = e.Seq
		}
		seen = append(seen, page...)
		if len(page) == 0 {
			select {
			case <-ctx.Done():
				t.Fatalf("tail saw %d of %d entries", len(seen), want)
			case <-time.After(time.Millisecond):
			}
		}
	}
	return seen
}
