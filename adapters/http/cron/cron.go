// Package cron serves the ledger of scheduled runs to administrators over HTTP: the
// `CronRun` resource and GET /v1/cron/runs.
package cron

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/http/route"
	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/application/schedule"
	"github.com/keelhq/keel/domain/kernel"
)

// Run is the API's resource of one scheduled run.
type Run struct {
	ID     uuid.UUID `json:"id" required:"true"`
	Action string    `json:"action" required:"true" example:"auth.purge_sessions"`
	// Window is the scheduled time the run is for (for a one-shot run, when it was asked).
	Window     time.Time  `json:"window" required:"true" description:"The scheduled time the run is for (RFC 3339, UTC)."`
	Status     string     `json:"status" required:"true" enum:"running,succeeded,failed,timed_out,skipped"`
	StartedAt  time.Time  `json:"startedAt" required:"true"`
	FinishedAt *time.Time `json:"finishedAt" required:"true" description:"null while running."`
	DurationMS *int64     `json:"durationMs" required:"true" description:"null while running."`
	Error      *string    `json:"error" required:"true" description:"Why it failed, timed out or was skipped (never a secret); null otherwise."`
	Instance   string     `json:"instance" required:"true" description:"The cron process that ran it, or \"cron run\" for one-shot runs." example:"cron-7f9c:4121"`
}

// toResource converts a run for the API.
func toResource(r schedule.Run) Run {
	out := Run{
		ID: r.ID, Action: r.Action, Window: r.Window.UTC(), Status: string(r.Status),
		StartedAt: r.StartedAt.UTC(), Instance: r.Instance,
	}
	if !r.FinishedAt.IsZero() {
		fin, ms := r.FinishedAt.UTC(), r.Duration().Milliseconds()
		out.FinishedAt, out.DurationMS = &fin, &ms
	}
	if r.Error != "" {
		msg := r.Error
		out.Error = &msg
	}
	return out
}

// Handler serves /v1/cron/runs.
type Handler struct {
	Runs    *schedule.Runs
	Cursors *web.Cursors
}

// listQuery filters the ledger.
type listQuery struct {
	route.PageQuery
	Action string `query:"action" json:"-" example:"auth.purge_sessions"`
	Status string `query:"status" json:"-" enum:"running,succeeded,failed,timed_out,skipped"`
}

// Routes returns the /v1/cron/runs operations.
func (h *Handler) Routes() []route.Route {
	return []route.Route{
		route.Op(route.Route{
			Method: http.MethodGet, Path: "/v1/cron/runs", ID: "cron.runs.list", Tags: []string{"Cron"},
			Access: route.Admin, Policy: schedule.AdminOnly, Summary: "List scheduled runs",
			Description: "The ledger of scheduled actions: one run per action and window, newest first, in keyset pages.",
			Problems:    []error{kernel.ErrInvalidCursor},
		}, h.list),
	}
}

func (h *Handler) list(c *fiber.Ctx, in *listQuery) (web.Page[Run], error) {
	f := schedule.Filter{Action: in.Action, Status: schedule.Status(in.Status)}
	list := "cron.runs\x00" + f.Action + "\x00" + string(f.Status)
	page, err := h.Cursors.Page(list, in.Limit, in.Cursor)
	if err != nil {
		return web.Page[Run]{}, err
	}
	actor, _ := web.Actor(c)
	runs, more, err := h.Runs.List(c.UserContext(), actor, f, page)
	if err != nil {
		return web.Page[Run]{}, err
	}
	id := func(r schedule.Run) uuid.UUID { return r.ID }
	return web.NewPage(h.Cursors, list, runs, page.Limit, more, id, toResource), nil
}
