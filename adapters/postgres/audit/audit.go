// Package audit keeps the audit trail in PostgreSQL's audit_logs table
// (domain/audit.Repository): entries are appended inside the caller's transaction and
// listed for administrators.
package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/keelhq/keel/adapters/postgres"
	"github.com/keelhq/keel/domain/audit"
	"github.com/keelhq/keel/domain/kernel"
)

// row is one audit_logs row.
type row struct {
	bun.BaseModel `bun:"table:audit_logs,alias:a"`

	ID        uuid.UUID      `bun:"id,pk,type:uuid"`
	ActorID   uuid.UUID      `bun:"actor_id,type:uuid,nullzero"`
	Action    string         `bun:"action,notnull"`
	Entity    string         `bun:"entity,notnull"`
	EntityID  string         `bun:"entity_id,notnull"`
	IP        string         `bun:"ip,notnull"`
	RequestID string         `bun:"request_id,notnull"`
	Changes   kernel.Changes `bun:"changes,type:jsonb,notnull"`
	CreatedAt time.Time      `bun:"created_at,notnull"`
}

// toDomain converts an audit_logs row.
func toDomain(r *row) audit.Entry {
	changes := r.Changes
	if changes == nil {
		changes = kernel.Changes{}
	}
	return audit.Entry{
		ID: r.ID, ActorID: r.ActorID, Action: r.Action, Entity: r.Entity, EntityID: r.EntityID,
		IP: r.IP, RequestID: r.RequestID, Changes: changes, CreatedAt: r.CreatedAt.UTC(),
	}
}

// Repository implements audit.Repository over audit_logs.
type Repository struct {
	db *bun.DB
}

// NewRepository returns a Repository over db.
func NewRepository(db *bun.DB) *Repository { return &Repository{db: db} }

var _ audit.Repository = (*Repository)(nil)

// toRow converts an entry for audit_logs.
func toRow(e audit.Entry) *row {
	return &row{
		ID: e.ID, ActorID: e.ActorID, Action: e.Action, Entity: e.Entity, EntityID: e.EntityID,
		IP: e.IP, RequestID: e.RequestID, Changes: e.Changes, CreatedAt: e.CreatedAt,
	}
}

// Append implements audit.Repository, in the transaction carried by ctx.
func (r *Repository) Append(ctx context.Context, e audit.Entry) error {
	if _, err := postgres.Conn(ctx, r.db).NewInsert().Model(toRow(e)).Exec(ctx); err != nil {
		return fmt.Errorf("append audit entry %s: %w", e.ID, err)
	}
	return nil
}

// List implements audit.Repository: entries matching every non-zero field of f (From
// inclusive, To exclusive), newest (highest UUIDv7) first, after page.After.
func (r *Repository) List(ctx context.Context, f audit.Filter, page kernel.Page) ([]audit.Entry, error) {
	var rows []row
	q := postgres.Conn(ctx, r.db).NewSelect().Model(&rows).OrderExpr("a.id DESC").Limit(int64(page.Limit) + 1)
	if page.After != uuid.Nil {
		q = q.Where("a.id < ?", page.After)
	}
	if f.ActorID != uuid.Nil {
		q = q.Where("a.actor_id = ?", f.ActorID)
	}
	exact := []struct{ column, value string }{{"entity", f.Entity}, {"entity_id", f.EntityID}, {"action", f.Action}}
	for _, e := range exact {
		if e.value != "" {
			q = q.Where("a.? = ?", bun.Ident(e.column), e.value)
		}
	}
	if !f.From.IsZero() {
		q = q.Where("a.created_at >= ?", f.From)
	}
	if !f.To.IsZero() {
		q = q.Where("a.created_at < ?", f.To)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("list audit entries: %w", err)
	}
	entries := make([]audit.Entry, len(rows))
	for i := range rows {
		entries[i] = toDomain(&rows[i])
	}
	return entries, nil
}
