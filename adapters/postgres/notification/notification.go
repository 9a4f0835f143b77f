// Package notification stores the notification context in PostgreSQL: the notifications
// table (user_id NULL for a broadcast) and notification_reads, the per-reader read state,
// behind domain/notification.Repository.
package notification

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/keelhq/keel/adapters/postgres"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/notification"
)

// row is one notifications row.
type row struct {
	bun.BaseModel `bun:"table:notifications,alias:n"`

	ID        uuid.UUID  `bun:"id,pk,type:uuid"`
	UserID    uuid.UUID  `bun:"user_id,type:uuid,nullzero"`
	Kind      string     `bun:"kind,notnull"`
	Title     string     `bun:"title,notnull"`
	Body      string     `bun:"body,notnull"`
	Data      jsonObject `bun:"data,type:jsonb,notnull"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
}

// jsonObject is the data column: a JSON object whose numbers are read back as
// json.Number, digit for digit (jsonb keeps them exactly; float64 would not).
type jsonObject map[string]any

// Scan implements sql.Scanner.
func (o *jsonObject) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		return fmt.Errorf("scan notification data: unexpected %T", src)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return fmt.Errorf("scan notification data: %w", err)
	}
	*o = m
	return nil
}

// itemRow is a notifications row with one reader's read time.
type itemRow struct {
	row
	ReadAt time.Time `bun:"read_at,nullzero"`
}

// toRow converts a notification for storage.
func toRow(n *notification.Notification) *row {
	r := n.Record()
	data := r.Data
	if data == nil {
		data = map[string]any{}
	}
	return &row{ID: r.ID, UserID: r.UserID, Kind: r.Kind, Title: r.Title, Body: r.Body, Data: data, CreatedAt: r.CreatedAt}
}

// toDomain rebuilds the item a row holds.
func toDomain(r *itemRow) (notification.Item, error) {
	n, err := notification.Restore(notification.Record{
		ID: r.ID, UserID: r.UserID, Kind: r.Kind, Title: r.Title, Body: r.Body, Data: map[string]any(r.Data), CreatedAt: r.CreatedAt.UTC(),
	})
	if err != nil {
		return notification.Item{}, err
	}
	readAt := r.ReadAt
	if !readAt.IsZero() {
		readAt = readAt.UTC()
	}
	return notification.Item{Notification: n, ReadAt: readAt}, nil
}

// Repository implements notification.Repository. Every query joins the transaction
// carried by its context.
type Repository struct {
	db *bun.DB
}

// NewRepository returns a Repository over db.
func NewRepository(db *bun.DB) *Repository { return &Repository{db: db} }

var _ notification.Repository = (*Repository)(nil)

// Create implements notification.Repository.
func (r *Repository) Create(ctx context.Context, n *notification.Notification) error {
	if _, err := postgres.Conn(ctx, r.db).NewInsert().Model(toRow(n)).Exec(ctx); err != nil {
		return fmt.Errorf("create notification %s: %w", n.ID(), err)
	}
	return nil
}

// listBranch is one half of a reader's list: their own notifications or the broadcasts,
// each an ordered scan of its partial index that stops after the page.
const listBranch = `(SELECT n.*, r.read_at FROM notifications n
	LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.user_id = ?reader
	WHERE %s AND n.id < ?after AND r.hidden IS NOT TRUE %s
	ORDER BY n.id DESC LIMIT ?limit)`

// listSQL is the query of a reader's list with f, with the named arguments reader, after
// and limit.
func listSQL(f notification.Filter) string {
	unread := ""
	if f.Unread {
		unread = "AND r.read_at IS NULL"
	}
	return fmt.Sprintf(listBranch, "n.user_id = ?reader", unread) + " UNION ALL " +
		fmt.Sprintf(listBranch, "n.user_id IS NULL", unread) + " ORDER BY id DESC LIMIT ?limit"
}

// List implements notification.Repository: the reader's notifications and the
// broadcasts, merged newest first.
func (r *Repository) List(ctx context.Context, reader uuid.UUID, f notification.Filter, page kernel.Page) ([]notification.Item, error) {
	after := page.After
	if after == uuid.Nil {
		after = uuid.Max
	}
	query := listSQL(f)
	args := struct {
		Reader uuid.UUID
		After  uuid.UUID
		Limit  int
	}{reader, after, page.Limit + 1}
	var rows []itemRow
	if err := postgres.Conn(ctx, r.db).NewRaw(query, &args).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("list notifications of %s: %w", reader, err)
	}
	items := make([]notification.Item, 0, len(rows))
	for i := range rows {
		it, err := toDomain(&rows[i])
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, nil
}

// MarkRead implements notification.Repository.
func (r *Repository) MarkRead(ctx context.Context, reader, id uuid.UUID, now time.Time) error {
	// One statement: the notification is locked against deletion (a purge) between finding
	// it and recording the read, which would otherwise fail on the foreign key.
	var found int
	err := postgres.Conn(ctx, r.db).NewRaw(`WITH target AS (
			SELECT n.id FROM notifications n
			LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.user_id = ?
			WHERE n.id = ? AND (n.user_id = ? OR n.user_id IS NULL) AND NOT coalesce(r.hidden, false)
			FOR KEY SHARE OF n
		), marked AS (
			INSERT INTO notification_reads (user_id, notification_id, read_at)
			SELECT ?, id, ? FROM target
			ON CONFLICT (user_id, notification_id) DO NOTHING
		)
		SELECT count(*) FROM target`, reader, id, reader, reader, now).Scan(ctx, &found)
	if err != nil {
		return fmt.Errorf("mark notification %s read: %w", id, err)
	}
	if found == 0 {
		return notification.ErrNotFound
	}
	return nil
}

// MarkAllRead implements notification.Repository.
func (r *Repository) MarkAllRead(ctx context.Context, reader uuid.UUID, now time.Time) (int64, error) {
	res, err := postgres.Conn(ctx, r.db).NewRaw(`INSERT INTO notification_reads (user_id, notification_id, read_at)
		SELECT ?, n.id, ? FROM notifications n WHERE n.user_id = ? OR n.user_id IS NULL
		ON CONFLICT (user_id, notification_id) DO NOTHING`, reader, now, reader).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("mark notifications of %s read: %w", reader, err)
	}
	return res.RowsAffected()
}

// purgeQuery removes one batch of reads older than the cutoff, oldest first, skipping
// rows another purge holds: a notification for one account is deleted (its read goes
// with it), a broadcast's read is hidden.
const purgeQuery = `WITH due AS (
		SELECT r.user_id, r.notification_id, n.user_id IS NULL AS broadcast
		FROM notification_reads r JOIN notifications n ON n.id = r.notification_id
		WHERE NOT r.hidden AND r.read_at < ?
		ORDER BY r.read_at LIMIT ?
		FOR UPDATE OF r SKIP LOCKED
	), hidden AS (
		UPDATE notification_reads r SET hidden = true FROM due
		WHERE due.broadcast AND r.user_id = due.user_id AND r.notification_id = due.notification_id
		RETURNING 1
	), deleted AS (
		DELETE FROM notifications n USING due WHERE NOT due.broadcast AND n.id = due.notification_id
		RETURNING 1
	)
	SELECT (SELECT count(*) FROM hidden) + (SELECT count(*) FROM deleted)`

// PurgeRead implements notification.Repository.
func (r *Repository) PurgeRead(ctx context.Context, before time.Time, limit int) (int64, error) {
	var n int64
	if err := postgres.Conn(ctx, r.db).NewRaw(purgeQuery, before, limit).Scan(ctx, &n); err != nil {
		return 0, fmt.Errorf("purge read notifications: %w", err)
	}
	return n, nil
}
