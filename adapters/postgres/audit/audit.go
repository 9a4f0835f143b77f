// Package audit keeps the audit trail in PostgreSQL's audit_logs table: Trail writes it
// for every context (ports.AuditTrail) inside the caller's transaction, and Repository
// lists it for administrators (domain/audit.Repository).
package audit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/keelhq/keel/adapters/postgres"
	"github.com/keelhq/keel/domain/audit"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/ports"
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

// Trail implements ports.AuditTrail: each record is one audit_logs row, written in the
// transaction carried by the context so that it commits with the change it describes.
type Trail struct {
	db    *bun.DB
	clock ports.Clock
}

// NewTrail returns a Trail over db, timing records with clock.
func NewTrail(db *bun.DB, clock ports.Clock) *Trail { return &Trail{db: db, clock: clock} }

var _ ports.AuditTrail = (*Trail)(nil)

// Record implements ports.AuditTrail. The actor is rec.ActorID, else the context's actor,
// else none (the system); the IP and request id come from the context. Changes to fields
// whose names suggest a secret are dropped, whatever the caller sent.
func (t *Trail) Record(ctx context.Context, rec ports.AuditRecord) error {
	actor := rec.ActorID
	if actor == uuid.Nil {
		if a, ok := ports.ActorFrom(ctx); ok {
			actor = a.UserID
		}
	}
	req := ports.RequestFrom(ctx)
	r := &row{
		ID: kernel.NewID(), ActorID: actor, Action: rec.Action, Entity: rec.Entity, EntityID: rec.EntityID,
		IP: req.IP, RequestID: req.RequestID, Changes: withoutSecrets(rec.Changes),
		CreatedAt: kernel.Timestamp(t.clock.Now()),
	}
	if _, err := postgres.Conn(ctx, t.db).NewInsert().Model(r).Exec(ctx); err != nil {
		return fmt.Errorf("record %s of %s %s: %w", rec.Action, rec.Entity, rec.EntityID, err)
	}
	return nil
}

// secretWords mark a field that must never reach the trail, matched case-insensitively
// anywhere in its name ("password", "newPasswordHash", "refresh_token", ...).
var secretWords = []string{"password", "token", "hash", "secret"}

// withoutSecrets returns a copy of ch, never nil, without the fields whose names contain
// a secret word.
func withoutSecrets(ch kernel.Changes) kernel.Changes {
	out := make(kernel.Changes, len(ch))
	for field, c := range ch {
		if !isSecret(field) {
			out[field] = c
		}
	}
	return out
}

// isSecret reports whether a field's name contains a secret word.
func isSecret(field string) bool {
	field = strings.ToLower(field)
	for _, w := range secretWords {
		if strings.Contains(field, w) {
			return true
		}
	}
	return false
}

// Repository implements audit.Repository over audit_logs.
type Repository struct {
	db *bun.DB
}

// NewRepository returns a Repository over db.
func NewRepository(db *bun.DB) *Repository { return &Repository{db: db} }

var _ audit.Repository = (*Repository)(nil)

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
