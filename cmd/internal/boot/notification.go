package boot

import (
	"context"
	"log/slog"
	"time"

	"go.uber.org/fx"

	"github.com/keelhq/keel/adapters/catalogue"
	httpnotification "github.com/keelhq/keel/adapters/http/notification"
	"github.com/keelhq/keel/adapters/http/route"
	"github.com/keelhq/keel/adapters/http/web"
	pgnotification "github.com/keelhq/keel/adapters/postgres/notification"
	"github.com/keelhq/keel/application/notices"
	"github.com/keelhq/keel/application/schedule"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/notification"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/database"
	"github.com/keelhq/keel/platform/i18n"
)

// Notification is the notification context: /v1/notifications, notification.created
// events, the notifications the service sends itself (through notices.Notifier, which
// the auth and user contexts see as their Notices ports) and the scheduled purge of read
// notifications.
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
		Action(purgeReadNotifications),
		Routes(func(s *notification.Service, cursors *web.Cursors) []route.Route {
			return (&httpnotification.Handler{Notifications: s, Cursors: cursors}).Routes()
		}),
		EventEncoding(httpnotification.EventData),
	),
)

func purgeReadNotifications(cfg *config.Config, s *notification.Service, log *slog.Logger) schedule.Action {
	return schedule.Action{
		Name: "notification.purge_read", Schedule: "37 3 * * *", Timeout: 10 * time.Minute, Jitter: time.Minute,
		Run: func(ctx context.Context, _ time.Time) error {
			n, err := s.PurgeRead(ctx, cfg.Notifications.PurgeReadAfter)
			log.InfoContext(ctx, "purged read notifications", slog.Int64("reads", n))
			return err
		},
	}
}
