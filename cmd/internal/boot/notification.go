package boot

import (
	"go.uber.org/fx"

	"github.com/keelhq/keel/adapters/catalogue"
	httpnotification "github.com/keelhq/keel/adapters/http/notification"
	"github.com/keelhq/keel/adapters/http/route"
	"github.com/keelhq/keel/adapters/http/web"
	pgnotification "github.com/keelhq/keel/adapters/postgres/notification"
	"github.com/keelhq/keel/application/notices"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/notification"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/database"
	"github.com/keelhq/keel/platform/i18n"
)

// Notification is the notification context: /v1/notifications, notification.created
// events, the notifications the service sends itself (through notices.Notifier, which
// the auth and user contexts see as their Notices ports) and the housekeeping functions
// that purge read notifications and old sign-in history.
var Notification = fx.Module("notification",
	fx.Provide(
		fx.Annotate(func(db *database.DB) *pgnotification.Repository { return pgnotification.NewRepository(db.Bun) },
			fx.As(new(notification.Repository))),
		func(repo user.Repository) notification.Recipients { return &notices.Recipients{Repo: repo} },
		notification.NewService,
		func(s *notification.Service, b *i18n.Bundle) *notices.Notifier {
			return &notices.Notifier{Notifications: s, Texts: catalogue.NewNotices(b)}
		},
		func(n *notices.Notifier) auth.Notices { return n },
		func(n *notices.Notifier) user.Notices { return n },
		func(cfg *config.Config, s *notification.Service, a *auth.Service) *notices.Housekeeping {
			return &notices.Housekeeping{Notifications: s, Auth: a, ReadAge: cfg.Notifications.PurgeReadAfter}
		},
		Routes(func(s *notification.Service, cursors *web.Cursors) []route.Route {
			return (&httpnotification.Handler{Notifications: s, Cursors: cursors}).Routes()
		}),
		EventEncoding(httpnotification.EventData),
	),
)
