package boot

import (
	"go.uber.org/fx"

	httpaudit "github.com/keelhq/keel/adapters/http/audit"
	"github.com/keelhq/keel/adapters/http/route"
	"github.com/keelhq/keel/adapters/http/web"
	pgaudit "github.com/keelhq/keel/adapters/postgres/audit"
	"github.com/keelhq/keel/domain/audit"
	"github.com/keelhq/keel/platform/database"
	"github.com/keelhq/keel/ports"
)

// Audit is the audit context: the trail every context writes to (ports.AuditTrail) and
// /v1/audit-logs.
var Audit = fx.Module("audit",
	fx.Provide(
		fx.Annotate(func(db *database.DB) *pgaudit.Repository { return pgaudit.NewRepository(db.Bun) }, fx.As(new(audit.Repository))),
		audit.NewService,
		func(s *audit.Service) ports.AuditTrail { return s },
		Routes(func(s *audit.Service, cursors *web.Cursors) []route.Route {
			return (&httpaudit.Handler{Audit: s, Cursors: cursors}).Routes()
		}),
	),
)
