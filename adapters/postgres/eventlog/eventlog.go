// Package eventlog is the durable event log in PostgreSQL (tables event_log and
// event_topics): the worker's relay records every outbox event here with a per-topic
// offset before publishing it on Redis; the api replays from it (Replay, Head) and polls it
// while Redis is away (Tail, LastSeq).
package eventlog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/keelhq/keel/adapters/postgres"
)

// ErrReset says a replay is impossible: the epoch is unknown or no longer the topic's
// current one, the entries after the given offset were pruned, or the offset lies beyond
// the topic's last one. The client must refetch over REST.
var ErrReset = errors.New("eventlog: replay impossible, reset")

// Entry is one event of the durable log.
type Entry struct {
	Seq    int64           // global order of recording
	Topic  string          // e.g. "user:<uuid>", "broadcast", "admin"
	Epoch  string          // the topic's epoch the offset belongs to
	Offset int64           // 1, 2, 3, ... within (Topic, Epoch)
	ID     uuid.UUID       // the event's id (outbox id)
	Name   string          // e.g. "notification.created"
	Data   json.RawMessage // the REST resource (or {"id":...} when over 4 KiB)
	At     time.Time       // when the event happened (UTC)
	// Traceparent is the W3C traceparent of the span that wrote the event ("" when it was
	// written outside a trace).
	Traceparent string
}

// entryRow is one event_log row.
type entryRow struct {
	bun.BaseModel `bun:"table:event_log,alias:l"`

	Seq         int64           `bun:"seq,pk,autoincrement"`
	Topic       string          `bun:"topic,notnull"`
	Epoch       string          `bun:"epoch,notnull"`
	Offset      int64           `bun:"offset,notnull"`
	EventID     uuid.UUID       `bun:"event_id,type:uuid,notnull"`
	Name        string          `bun:"name,notnull"`
	Data        json.RawMessage `bun:"data,type:jsonb,notnull"`
	CreatedAt   time.Time       `bun:"created_at,notnull"`
	PublishedAt time.Time       `bun:"published_at,nullzero"`
	Traceparent string          `bun:"traceparent,nullzero"`
}

// topicRow is one event_topics row.
type topicRow struct {
	bun.BaseModel `bun:"table:event_topics,alias:t"`

	Topic      string `bun:"topic,pk"`
	Epoch      string `bun:"epoch,notnull"`
	LastOffset int64  `bun:"last_offset,notnull"`
}

// toEntry converts a row to an Entry.
func toEntry(r entryRow) Entry {
	return Entry{
		Seq: r.Seq, Topic: r.Topic, Epoch: r.Epoch, Offset: r.Offset, ID: r.EventID,
		Name: r.Name, Data: r.Data, At: r.CreatedAt.UTC(), Traceparent: r.Traceparent,
	}
}

func toEntries(rows []entryRow) []Entry {
	out := make([]Entry, len(rows))
	for i, r := range rows {
		out[i] = toEntry(r)
	}
	return out
}

// callTimeout bounds every query whose caller's context has no earlier deadline.
const callTimeout = 5 * time.Second

// bounded returns ctx with a deadline of at most callTimeout.
func bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, callTimeout)
}

// Log reads the durable event log.
type Log struct {
	db *bun.DB
}

// New returns the Log over db.
func New(db *bun.DB) *Log {
	return &Log{db: db}
}

// Head returns the topic's current epoch and last offset ("" and 0 when it has none).
func (l *Log) Head(ctx context.Context, topic string) (epoch string, last int64, err error) {
	ctx, cancel := bounded(ctx)
	defer cancel()
	var t topicRow
	err = l.db.NewSelect().Model(&t).Where("t.topic = ?", topic).Scan(ctx)
	switch {
	case postgres.NoRows(err):
		return "", 0, nil
	case err != nil:
		return "", 0, fmt.Errorf("head of %s: %w", topic, err)
	}
	return t.Epoch, t.LastOffset, nil
}

// Replay returns the entries of topic with offset > after in epoch, in offset order, at
// most limit. ErrReset when epoch is not the topic's current epoch, or when entries after
// `after` were pruned, or when after > the topic's last offset (or negative).
func (l *Log) Replay(ctx context.Context, topic, epoch string, after int64, limit int) ([]Entry, error) {
	current, last, err := l.Head(ctx, topic)
	if err != nil {
		return nil, err
	}
	if current == "" || current != epoch || after < 0 || after > last {
		return nil, ErrReset
	}
	if after == last || limit <= 0 {
		return nil, nil
	}
	ctx, cancel := bounded(ctx)
	defer cancel()
	var rows []entryRow
	err = l.db.NewSelect().Model(&rows).
		Where("l.topic = ? AND l.epoch = ? AND l.offset > ?", topic, epoch, after).
		OrderExpr("l.offset").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("replay %s after %d: %w", topic, after, err)
	}
	// Offsets are dense when recorded; a missing one was pruned (or the whole rest was).
	if len(rows) == 0 {
		return nil, ErrReset
	}
	for i, r := range rows {
		if r.Offset != after+1+int64(i) {
			return nil, ErrReset
		}
	}
	return toEntries(rows), nil
}

// Tail returns the entries recorded with seq > after, in seq order, at most limit (the
// api's polling fallback while Redis is away). Entries appear here as soon as offsets are
// assigned, whether or not they were published on Redis.
func (l *Log) Tail(ctx context.Context, after int64, limit int) ([]Entry, error) {
	if limit <= 0 {
		return nil, nil
	}
	ctx, cancel := bounded(ctx)
	defer cancel()
	var rows []entryRow
	err := l.db.NewSelect().Model(&rows).Where("l.seq > ?", after).OrderExpr("l.seq").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("tail after %d: %w", after, err)
	}
	return toEntries(rows), nil
}

// LastSeq returns the highest seq recorded (0 when empty).
func (l *Log) LastSeq(ctx context.Context) (int64, error) {
	ctx, cancel := bounded(ctx)
	defer cancel()
	var seq int64
	if err := l.db.NewRaw("SELECT coalesce(max(seq), 0) FROM event_log").Scan(ctx, &seq); err != nil {
		return 0, fmt.Errorf("last seq: %w", err)
	}
	return seq, nil
}
