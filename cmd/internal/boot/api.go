package boot

import (
	"context"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"
	"go.uber.org/fx"

	httpaudit "github.com/keelhq/keel/adapters/http/audit"
	httpauth "github.com/keelhq/keel/adapters/http/auth"
	"github.com/keelhq/keel/adapters/http/authn"
	"github.com/keelhq/keel/adapters/http/guard"
	httpuser "github.com/keelhq/keel/adapters/http/user"
	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/adapters/redis/ratelimit"
	"github.com/keelhq/keel/adapters/redis/sessions"
	"github.com/keelhq/keel/application/identity"
	"github.com/keelhq/keel/domain/audit"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/i18n"
)

// API mounts the public /v1 routes: rate limits first, then every context's handlers.
var API = fx.Module("api",
	fx.Provide(
		fx.Annotate(newAPIRoutes, fx.ResultTags(`group:"routes"`), fx.As(new(Routes))),
	),
	// The api hears other instances' session changes for the life of the process.
	fx.Invoke(func(lc fx.Lifecycle, c *sessions.Cache) {
		lc.Append(fx.Hook{
			OnStart: func(context.Context) error { c.Start(); return nil },
			OnStop:  c.Stop,
		})
	}),
)

// apiRoutes mounts the /v1 surface in a fixed order.
type apiRoutes struct {
	perIP    fiber.Handler
	handlers []Routes
}

func (r *apiRoutes) Mount(app fiber.Router) {
	app.Use("/v1", r.perIP)
	for _, h := range r.handlers {
		h.Mount(app)
	}
}

type apiDeps struct {
	fx.In
	Config       *config.Config
	Log          *slog.Logger
	Redis        *redis.Client
	Bundle       *i18n.Bundle
	Auth         *auth.Service
	Users        *user.Service
	Audit        *audit.Service
	Registration *identity.Registration
}

func newAPIRoutes(d apiDeps) *apiRoutes {
	rl := d.Config.RateLimit
	g := &guard.Guard{
		Limiter: ratelimit.New(d.Redis, d.Config.Redis.KeyPrefix, d.Log),
		Enabled: rl.Enabled,
		PerIP:   ratelimit.Limit{Rate: rl.PerIP, Burst: rl.PerIPBurst, Period: time.Minute},
		Auth:    ratelimit.Limit{Rate: rl.Auth, Burst: rl.AuthBurst, Period: time.Minute},
		Log:     d.Log,
	}
	mw := &authn.Middleware{Auth: d.Auth, Bundle: d.Bundle}
	cursors := web.NewCursors(d.Config.Auth.CursorSecret)
	return &apiRoutes{
		perIP: g.PerIPLimit,
		handlers: []Routes{
			&httpauth.Handler{
				Auth: d.Auth, Registration: d.Registration, Users: d.Users, SignedIn: mw.SignedIn, Throttle: g,
				Origins: web.NewOrigins(d.Config.CORSAllowedOrigins), CookieMaxAge: d.Config.Auth.SessionMaxTTL,
			},
			&httpuser.Handler{Users: d.Users, Cursors: cursors, SignedIn: mw.SignedIn, Admin: mw.Admin},
			&httpaudit.Handler{Audit: d.Audit, Cursors: cursors, SignedIn: mw.SignedIn, Admin: mw.Admin},
		},
	}
}
