package schedule

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/invopop/validation"

	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/ports"
)

// Status is where a run stands.
type Status string

// The run statuses.
const (
	StatusRunning   Status = "running"
	StatusSucceeded Status = "succeeded"
	StatusFailed    Status = "failed"
	StatusTimedOut  Status = "timed_out"
	StatusSkipped   Status = "skipped"
)

// Statuses lists every status, in the order documents show them.
func Statuses() []Status {
	return []Status{StatusRunning, StatusSucceeded, StatusFailed, StatusTimedOut, StatusSkipped}
}

// OneShot is the instance name of runs made by `cron run NAME`.
const OneShot = "cron run"

// Run is one row of the ledger: one action for one window.
type Run struct {
	ID     uuid.UUID
	Action string
	// Window is the scheduled time the run is for (for a one-shot run, when it was asked).
	Window time.Time
	// Manual marks one-shot runs, whose windows are not on the schedule.
	Manual     bool
	Status     Status
	StartedAt  time.Time
	FinishedAt time.Time // zero while running
	// Error says why the run failed, timed out or was skipped; empty otherwise.
	Error string
	// Instance names the process that ran it, or OneShot.
	Instance string
}

// Duration is how long a finished run took.
func (r Run) Duration() time.Duration {
	if r.FinishedAt.IsZero() {
		return 0
	}
	return r.FinishedAt.Sub(r.StartedAt)
}

// The schedule's errors.
var (
	// ErrForbidden: only administrators read the ledger.
	ErrForbidden = kernel.NewError(kernel.KindForbidden, "forbidden")
	// ErrUnknownAction: no action has this name.
	ErrUnknownAction = errors.New("no such scheduled action")
	// ErrBusy: a run of the action is in progress.
	ErrBusy = errors.New("a run of this action is in progress")
	// ErrInvalidStatus is the validation error of an unknown status filter.
	ErrInvalidStatus = validation.NewError("invalid_run_status", "must be running, succeeded, failed, timed_out or skipped")
)

// AdminOnly is the policy of the runs listing: administrators only. It is exported so the
// edge can refuse a request before it decodes the input (List applies it again).
func AdminOnly(actor ports.Actor) error {
	if !actor.IsAdmin() {
		return ErrForbidden
	}
	return nil
}

// Filter narrows the listing; zero fields do not filter.
type Filter struct {
	Action string
	Status Status
}

// Validate checks the status.
func (f Filter) Validate() error {
	if f.Status == "" {
		return nil
	}
	for _, s := range Statuses() {
		if f.Status == s {
			return nil
		}
	}
	return validation.Errors{"status": ErrInvalidStatus}
}

// Runs lists the ledger for administrators.
type Runs struct {
	Ledger Ledger
}

// List returns one page of runs, newest first, and whether more follow.
func (r *Runs) List(ctx context.Context, actor ports.Actor, f Filter, page kernel.Page) ([]Run, bool, error) {
	if err := AdminOnly(actor); err != nil {
		return nil, false, err
	}
	if err := f.Validate(); err != nil {
		return nil, false, err
	}
	runs, err := r.Ledger.List(ctx, f, page)
	if err != nil {
		return nil, false, err
	}
	runs, more := kernel.Trim(runs, page)
	return runs, more, nil
}
