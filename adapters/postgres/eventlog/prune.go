package eventlog

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Retention says which published entries the log keeps: every entry younger than Age,
// and whatever its age, the last Count entries of its topic.
type Retention struct {
	Age   time.Duration // EVENTS_RETENTION
	Count int           // EVENTS_RETENTION_COUNT, at least 1
}

// pruneBatch bounds the entries one prune statement removes.
const pruneBatch = 5000

// pruneSQL removes one batch of entries, with their outbox rows, and counts them.
// Arguments: the cutoff time, Count, Count-1, the batch size.
//
// Within a topic's current epoch offsets are dense and only ever pruned from below the
// last Count, so "beyond the last Count" is offset <= last_offset - Count: one look-up of
// the topic's head per candidate, which the age index finds. Entries of an older epoch
// (rare: an epoch only changes when a topic's head is lost) are ranked by seq instead.
const pruneSQL = `
WITH gone AS (
    DELETE FROM event_log WHERE seq IN (
        SELECT l.seq FROM event_log l JOIN event_topics t ON t.topic = l.topic
         WHERE l.created_at < ? AND l.published_at IS NOT NULL
           AND CASE WHEN l.epoch = t.epoch THEN l."offset" <= t.last_offset - ?
                    ELSE l.seq < (SELECT x.seq FROM event_log x WHERE x.topic = l.topic
                                   ORDER BY x.seq DESC OFFSET ? LIMIT 1) END
         ORDER BY l.seq LIMIT ?)
    RETURNING event_id
), outbox AS (
    DELETE FROM outbox_events o USING gone WHERE o.id = gone.event_id
)
SELECT count(*) FROM gone`

// Pruner removes the entries the Retention no longer asks to keep.
type Pruner struct {
	db   *bun.DB
	keep Retention
}

// NewPruner returns a Pruner over db keeping what keep says.
func NewPruner(db *bun.DB, keep Retention) *Pruner {
	return &Pruner{db: db, keep: keep}
}

// Prune removes every entry that happened before now minus the retention age AND is
// beyond the last Count entries of its topic (in seq order), and was published; with an
// entry goes its outbox row. Topic heads (event_topics) stay, so offsets keep counting
// and a replay from before the pruned range gets ErrReset. It works in bounded batches,
// each its own statement under ctx, and returns how many entries it removed.
func (p *Pruner) Prune(ctx context.Context, now time.Time) (removed int, err error) {
	if p.keep.Count < 1 {
		return 0, fmt.Errorf("prune events: retention count %d, want at least 1", p.keep.Count)
	}
	cutoff := now.Add(-p.keep.Age).UTC()
	for {
		var n int
		err := p.db.NewRaw(pruneSQL, cutoff, p.keep.Count, p.keep.Count-1, pruneBatch).Scan(ctx, &n)
		if err != nil {
			return removed, fmt.Errorf("prune events before %s: %w", cutoff.Format(time.RFC3339), err)
		}
		removed += n
		if n < pruneBatch {
			return removed, nil
		}
	}
}
