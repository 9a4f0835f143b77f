package eventlog

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// Advisory lock keys (transaction-scoped, per database) that serialize the relay's two
// steps across every worker instance.
//
// Why one lock for all assignment, not row locks on event_topics: the contract promises
// that seq order is commit order, which the api's polling fallback (Tail: seq > last seen)
// relies on. With two relays assigning at once, one could take seq 7 and commit after the
// other committed seq 8, and a poller that had already read 8 would never see 7. Row locks
// on event_topics would keep offsets right per topic but not seq; a single lock held from
// before the outbox read until the commit keeps both, and also makes the outbox read see
// every event the previous holder already moved (READ COMMITTED takes a new snapshot per
// statement, after the lock is granted). The cost is that assignment runs on one worker at
// a time; one batch is a handful of statements, far from being the bottleneck.
//
// Publication has its own lock, so that within a topic offsets go out in increasing order
// even with several publishers, and so that a slow or absent Redis never blocks assignment.
const (
	assignLock  int64 = 0x6b65656c_0001 // "keel" 1
	publishLock int64 = 0x6b65656c_0002 // "keel" 2
)

// outboxRow is the part of an outbox_events row the relay reads.
type outboxRow struct {
	bun.BaseModel `bun:"table:outbox_events,alias:o"`

	ID          uuid.UUID       `bun:"id,pk,type:uuid"`
	Name        string          `bun:"name"`
	Topic       string          `bun:"topic"`
	Payload     json.RawMessage `bun:"payload,type:jsonb"`
	CreatedAt   time.Time       `bun:"created_at"`
	Traceparent string          `bun:"traceparent,nullzero"`
}

// Publisher hands entries to the fan-out (adapters/redis/fanout.Publisher). It returns
// nil only once every entry was accepted; entries may be handed over again after an
// error or a crash, with the same offsets.
type Publisher interface {
	Publish(ctx context.Context, entries []Entry) error
}

// Relay moves committed outbox events into the log (Assign) and hands the unpublished
// entries of the log to a Publisher (Publish). Any number of relays, in any number of
// processes, may run on the same database at once.
type Relay struct {
	db  *bun.DB
	now func() time.Time
}

// NewRelay returns a Relay over db, timing publication with now.
func NewRelay(db *bun.DB, now func() time.Time) *Relay {
	return &Relay{db: db, now: now}
}

// Assign moves up to limit unpublished outbox events, in creation (id) order, into the
// log in one transaction: each gets the next offset of its topic (a new topic starts a new
// epoch at offset 1), and its outbox row is marked published (recorded). It returns how
// many it moved. A failure changes nothing.
func (r *Relay) Assign(ctx context.Context, limit int) (int, error) {
	var n int
	err := r.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", assignLock); err != nil {
			return fmt.Errorf("take the assignment lock: %w", err)
		}
		var events []outboxRow
		err := tx.NewSelect().Model(&events).Where("o.published_at IS NULL").OrderExpr("o.id").Limit(int64(limit)).Scan(ctx)
		if err != nil {
			return fmt.Errorf("read the outbox: %w", err)
		}
		if len(events) == 0 {
			return nil
		}
		rows, err := assignOffsets(ctx, tx, events)
		if err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return fmt.Errorf("record %d entries: %w", len(rows), err)
		}
		ids := make([]uuid.UUID, len(events))
		for i, e := range events {
			ids[i] = e.ID
		}
		_, err = tx.NewUpdate().Table("outbox_events").Set("published_at = ?", r.now().UTC()).
			Where("id IN (?)", bun.In(ids)).Exec(ctx)
		if err != nil {
			return fmt.Errorf("mark %d outbox events recorded: %w", len(ids), err)
		}
		n = len(events)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("assign offsets: %w", err)
	}
	return n, nil
}

// assignOffsets advances every topic of events by its number of events in one statement
// and returns the log rows, in the order of events, with consecutive offsets per topic.
func assignOffsets(ctx context.Context, tx bun.Tx, events []outboxRow) ([]entryRow, error) {
	counts := map[string]int64{}
	var topics, epochs []string
	var ns []int64
	for _, e := range events {
		if counts[e.Topic] == 0 {
			topics = append(topics, e.Topic)
		}
		counts[e.Topic]++
	}
	for _, topic := range topics {
		epoch, err := uuid.NewV7()
		if err != nil {
			return nil, fmt.Errorf("new epoch: %w", err)
		}
		epochs = append(epochs, epoch.String())
		ns = append(ns, counts[topic])
	}
	var heads []topicRow
	err := tx.NewRaw(`
INSERT INTO event_topics AS t (topic, epoch, last_offset)
SELECT * FROM unnest(?::text[], ?::text[], ?::bigint[])
ON CONFLICT (topic) DO UPDATE SET last_offset = t.last_offset + EXCLUDED.last_offset
RETURNING t.topic, t.epoch, t.last_offset`,
		pgdialect.Array(topics), pgdialect.Array(epochs), pgdialect.Array(ns)).Scan(ctx, &heads)
	if err != nil {
		return nil, fmt.Errorf("advance %d topics: %w", len(topics), err)
	}
	next := make(map[string]*topicRow, len(heads))
	for i := range heads {
		h := &heads[i]
		h.LastOffset -= counts[h.Topic] // the offset before this batch's first
		next[h.Topic] = h
	}
	rows := make([]entryRow, len(events))
	for i, e := range events {
		h := next[e.Topic]
		h.LastOffset++
		rows[i] = entryRow{
			Topic: e.Topic, Epoch: h.Epoch, Offset: h.LastOffset, EventID: e.ID, Name: e.Name,
			Data: e.Payload, CreatedAt: e.CreatedAt.UTC(), Traceparent: e.Traceparent,
		}
	}
	return rows, nil
}

// Publish hands up to limit unpublished entries of the log, in seq order, to pub and then
// records them published, all in one transaction holding the publication lock. When pub
// fails, or the process dies before the commit, nothing is recorded and the same entries,
// with the same offsets, are handed over again next time. A nil pub records them without
// sending anything (no fan-out is configured: the log is the only delivery). It returns
// the entries it published.
func (r *Relay) Publish(ctx context.Context, limit int, pub Publisher) ([]Entry, error) {
	var entries []Entry
	err := r.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", publishLock); err != nil {
			return fmt.Errorf("take the publication lock: %w", err)
		}
		var rows []entryRow
		err := tx.NewSelect().Model(&rows).Where("l.published_at IS NULL").OrderExpr("l.seq").Limit(int64(limit)).Scan(ctx)
		if err != nil {
			return fmt.Errorf("read unpublished entries: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		batch := toEntries(rows)
		if pub != nil {
			if err := pub.Publish(ctx, batch); err != nil {
				return err
			}
		}
		seqs := make([]int64, len(rows))
		for i, row := range rows {
			seqs[i] = row.Seq
		}
		_, err = tx.NewUpdate().Table("event_log").Set("published_at = ?", r.now().UTC()).
			Where("seq IN (?)", bun.In(seqs)).Exec(ctx)
		if err != nil {
			return fmt.Errorf("mark %d entries published: %w", len(seqs), err)
		}
		entries = batch
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("publish entries: %w", err)
	}
	return entries, nil
}
