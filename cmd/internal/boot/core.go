package boot

import (
	"log/slog"

	"go.uber.org/fx"

	"github.com/keelhq/keel/adapters/http/route"
	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/adapters/jobs"
	"github.com/keelhq/keel/adapters/postgres"
	"github.com/keelhq/keel/adapters/postgres/outbox"
	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/database"
	"github.com/keelhq/keel/platform/tracing"
	"github.com/keelhq/keel/ports"
)

// Contexts are Keel's bounded contexts. Each module provides its context's services and
// contributes to the groups below; a process builds only what the groups it consumes
// need (fx constructs lazily). Adding a context is its files plus one line here.
var Contexts = fx.Options(
	User,
	Auth,
	Audit,
	Schedule,
	Notification,
)

// The groups a context module contributes to, each consumed by the process that runs it.
const (
	groupJobs      = `group:"jobs"`            // jobs.Registration: the worker's River workers
	groupActions   = `group:"actions"`         // schedule.Action: cron's scheduled actions
	groupEncodings = `group:"event.encodings"` // outbox.Encoding: the wire data of events
	groupTags      = `group:"api.tags"`        // route.Tag: the OpenAPI document's tags
)

// Routes annotates a constructor of a context's routes for the api.
func Routes(ctor any) any {
	return fx.Annotate(ctor, fx.ResultTags(`group:"routes,flatten"`))
}

// JobHandler annotates a constructor of a job registration for the worker.
func JobHandler(ctor any) any {
	return fx.Annotate(ctor, fx.ResultTags(groupJobs))
}

// Action annotates a constructor of a scheduled action for cron.
func Action(ctor any) any {
	return fx.Annotate(ctor, fx.ResultTags(groupActions))
}

// APITag describes, in the api's OpenAPI document, the tag that groups a context's
// operations (route.Route.Tags); the document lists it after the built-in contexts' tags.
func APITag(name, description string) any {
	return fx.Annotate(func() route.Tag { return route.Tag{Name: name, Description: description} }, fx.ResultTags(groupTags))
}

// EventEncoding supplies the wire data of a context's events to the outbox.
func EventEncoding(enc outbox.Encoding) any {
	return fx.Annotate(func() outbox.Encoding { return enc }, fx.ResultTags(groupEncodings))
}

// Core provides the shared ports every context uses: the clock, transactions, the event
// outbox, the job queue and pagination cursors.
var Core = fx.Module("core",
	fx.Provide(
		func() ports.Clock { return ports.SystemClock{} },
		fx.Annotate(func(db *database.DB) *postgres.Transactor { return postgres.NewTransactor(db.Bun) }, fx.As(new(ports.Tx))),
		fx.Annotate(
			func(db *database.DB, clock ports.Clock, tr *tracing.Tracing, encs []outbox.Encoding) *outbox.Events {
				e := outbox.NewEvents(db.Bun, clock, encs...)
				if tr.Enabled() {
					e.Traced()
				}
				return e
			},
			fx.ParamTags(``, ``, ``, groupEncodings), fx.As(new(ports.Events)),
		),
		fx.Annotate(func(db *database.DB, log *slog.Logger, tr *tracing.Tracing) (*jobs.Queue, error) {
			return jobs.NewQueue(db.SQL, log, tr.Tracer(scopeJobs))
		}, fx.As(new(ports.JobQueue))),
		func(cfg *config.Config) *web.Cursors { return web.NewCursors(cfg.Auth.CursorSecret) },
	),
)
