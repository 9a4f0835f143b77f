// Package cronprobe holds the scheduled actions that end-to-end tests observe the
// scheduler with. They are registered only when APP_ENV=test, are off unless
// CRON_SCHEDULES switches them on, and write to a cron_probe table that the test creates
// in its own database (no migration creates it):
//
//	CREATE TABLE cron_probe (action text NOT NULL, window_at timestamptz NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())
//
// One row per run, without a unique key, so a window run twice shows twice.
package cronprobe

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/keelhq/keel/application/schedule"
)

// Names of the probe actions.
const (
	// Tick records each window it runs for (catch-up: every missed window).
	Tick = "test.tick"
	// Overrun records its window, then overruns its 1 s timeout on the first window it
	// ever runs for, and succeeds on the others.
	Overrun = "test.overrun"
	// Fail records its window and fails with a message that carries would-be secrets (which
	// the ledger must not keep).
	Fail = "test.fail"
	// Hold records its window and runs until it is cancelled (its timeout is a minute):
	// a run in progress for as long as a test needs one.
	Hold = "test.hold"
)

// Actions returns the probe actions writing through db.
func Actions(db *bun.DB) []schedule.Action {
	return []schedule.Action{
		{Name: Tick, Schedule: schedule.Off, Timeout: 5 * time.Second, CatchUp: schedule.CatchUpAll, LookBack: time.Minute,
			Run: func(ctx context.Context, w time.Time) error { return record(ctx, db, Tick, w) }},
		{Name: Overrun, Schedule: schedule.Off, Timeout: time.Second, CatchUp: schedule.CatchUpAll, LookBack: time.Minute,
			Run: func(ctx context.Context, w time.Time) error { return overrun(ctx, db, w) }},
		{Name: Hold, Schedule: schedule.Off, Timeout: time.Minute,
			Run: func(ctx context.Context, w time.Time) error {
				if err := record(ctx, db, Hold, w); err != nil {
					return err
				}
				<-ctx.Done()
				return ctx.Err()
			}},
		{Name: Fail, Schedule: schedule.Off, Timeout: 5 * time.Second,
			Run: func(ctx context.Context, w time.Time) error {
				if err := record(ctx, db, Fail, w); err != nil {
					return err
				}
				return errors.New("probe failure: dial postgres://keel:hunter2@db.internal/keel failed, password=hunter2")
			}},
	}
}

// record inserts the run's row.
func record(ctx context.Context, db *bun.DB, action string, w time.Time) error {
	if _, err := db.NewRaw("INSERT INTO cron_probe (action, window_at) VALUES (?, ?)", action, w).Exec(ctx); err != nil {
		return fmt.Errorf("record probe: %w", err)
	}
	return nil
}

// overrun records its window and, when it is the first one it ever ran for, runs until
// it is cancelled.
func overrun(ctx context.Context, db *bun.DB, w time.Time) error {
	if err := record(ctx, db, Overrun, w); err != nil {
		return err
	}
	var n int
	if err := db.NewRaw("SELECT count(*) FROM cron_probe WHERE action = ?", Overrun).Scan(ctx, &n); err != nil {
		return fmt.Errorf("count probes: %w", err)
	}
	if n > 1 {
		return nil
	}
	<-ctx.Done()
	return ctx.Err()
}
