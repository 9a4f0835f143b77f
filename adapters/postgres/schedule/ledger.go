// Package schedule keeps the cron ledger in PostgreSQL's cron_runs table
// (application/schedule.Ledger) and elects the cron leader with an advisory lock held on a
// dedicated connection (application/schedule.Elector).
package schedule

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/keelhq/keel/adapters/postgres"
	"github.com/keelhq/keel/application/schedule"
	"github.com/keelhq/keel/domain/kernel"
)

// row is one cron_runs row.
type row struct {
	bun.BaseModel `bun:"table:cron_runs,alias:r"`

	ID         uuid.UUID `bun:"id,pk,type:uuid"`
	Action     string    `bun:"action,notnull"`
	Window     time.Time `bun:"window_at,notnull"`
	Manual     bool      `bun:"manual,notnull"`
	Status     string    `bun:"status,notnull"`
	StartedAt  time.Time `bun:"started_at,notnull"`
	FinishedAt time.Time `bun:"finished_at,nullzero"`
	Error      string    `bun:"error,nullzero"`
	Instance   string    `bun:"instance,notnull"`
}

// toRow converts a run for cron_runs.
func toRow(r schedule.Run) *row {
	return &row{
		ID: r.ID, Action: r.Action, Window: r.Window, Manual: r.Manual, Status: string(r.Status),
		StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, Error: r.Error, Instance: r.Instance,
	}
}

// toDomain converts a cron_runs row.
func toDomain(r *row) schedule.Run {
	run := schedule.Run{
		ID: r.ID, Action: r.Action, Window: r.Window.UTC(), Manual: r.Manual, Status: schedule.Status(r.Status),
		StartedAt: r.StartedAt.UTC(), Error: r.Error, Instance: r.Instance,
	}
	if !r.FinishedAt.IsZero() {
		run.FinishedAt = r.FinishedAt.UTC()
	}
	return run
}

// Ledger implements schedule.Ledger over cron_runs.
type Ledger struct {
	db *bun.DB
}

// NewLedger returns a Ledger over db.
func NewLedger(db *bun.DB) *Ledger { return &Ledger{db: db} }

var _ schedule.Ledger = (*Ledger)(nil)

// Begin implements schedule.Ledger: the unique (action, window_at) index decides.
func (l *Ledger) Begin(ctx context.Context, r schedule.Run) (bool, error) {
	res, err := postgres.Conn(ctx, l.db).NewInsert().Model(toRow(r)).On("CONFLICT (action, window_at) DO NOTHING").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("begin run of %s for %s: %w", r.Action, r.Window.Format(time.RFC3339), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("begin run of %s: %w", r.Action, err)
	}
	return n == 1, nil
}

// Finish implements schedule.Ledger; a run no longer running (abandoned meanwhile) keeps
// what was recorded.
func (l *Ledger) Finish(ctx context.Context, r schedule.Run) error {
	_, err := postgres.Conn(ctx, l.db).NewUpdate().Model(toRow(r)).
		Column("status", "finished_at", "error").WherePK().Where("status = ?", schedule.StatusRunning).Exec(ctx)
	if err != nil {
		return fmt.Errorf("finish run %s of %s: %w", r.ID, r.Action, err)
	}
	return nil
}

// Skip implements schedule.Ledger in one statement.
func (l *Ledger) Skip(ctx context.Context, runs []schedule.Run) error {
	if len(runs) == 0 {
		return nil
	}
	rows := make([]*row, len(runs))
	for i, r := range runs {
		rows[i] = toRow(r)
	}
	if _, err := postgres.Conn(ctx, l.db).NewInsert().Model(&rows).On("CONFLICT (action, window_at) DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("skip %d windows of %s: %w", len(runs), runs[0].Action, err)
	}
	return nil
}

// Abandon implements schedule.Ledger.
func (l *Ledger) Abandon(ctx context.Context, action, reason string, now time.Time) (int64, error) {
	res, err := postgres.Conn(ctx, l.db).NewUpdate().Model((*row)(nil)).
		Set("status = ?", schedule.StatusFailed).Set("finished_at = greatest(?, started_at)", now).Set("error = ?", reason).
		Where("action = ?", action).Where("status = ?", schedule.StatusRunning).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("abandon runs of %s: %w", action, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// LastWindow implements schedule.Ledger.
func (l *Ledger) LastWindow(ctx context.Context, action string) (time.Time, error) {
	var last bun.NullTime
	err := postgres.Conn(ctx, l.db).NewSelect().Model((*row)(nil)).ColumnExpr("max(window_at)").
		Where("action = ?", action).Where("NOT manual").Scan(ctx, &last)
	if err != nil {
		return time.Time{}, fmt.Errorf("last window of %s: %w", action, err)
	}
	if last.IsZero() {
		return time.Time{}, nil
	}
	return last.UTC(), nil
}

// Latest implements schedule.Ledger: the newest row of the action.
func (l *Ledger) Latest(ctx context.Context, action string) (schedule.Run, bool, error) {
	var r row
	err := postgres.Conn(ctx, l.db).NewSelect().Model(&r).Where("action = ?", action).OrderExpr("id DESC").Limit(1).Scan(ctx)
	if postgres.NoRows(err) {
		return schedule.Run{}, false, nil
	}
	if err != nil {
		return schedule.Run{}, false, fmt.Errorf("latest run of %s: %w", action, err)
	}
	return toDomain(&r), true, nil
}

// List implements schedule.Ledger: newest (highest UUIDv7) first.
func (l *Ledger) List(ctx context.Context, f schedule.Filter, page kernel.Page) ([]schedule.Run, error) {
	var rows []row
	q := postgres.Conn(ctx, l.db).NewSelect().Model(&rows).OrderExpr("r.id DESC").Limit(int64(page.Limit) + 1)
	if page.After != uuid.Nil {
		q = q.Where("r.id < ?", page.After)
	}
	if f.Action != "" {
		q = q.Where("r.action = ?", f.Action)
	}
	if f.Status != "" {
		q = q.Where("r.status = ?", f.Status)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("list cron runs: %w", err)
	}
	runs := make([]schedule.Run, len(rows))
	for i := range rows {
		runs[i] = toDomain(&rows[i])
	}
	return runs, nil
}
