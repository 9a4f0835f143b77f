package boot

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.uber.org/fx"

	"github.com/keelhq/keel/adapters/http/authn"
	"github.com/keelhq/keel/adapters/http/docs"
	"github.com/keelhq/keel/adapters/http/guard"
	"github.com/keelhq/keel/adapters/http/route"
	"github.com/keelhq/keel/adapters/http/server"
	"github.com/keelhq/keel/adapters/redis/pubsub"
	"github.com/keelhq/keel/adapters/redis/ratelimit"
	"github.com/keelhq/keel/adapters/redis/sessions"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/health"
	"github.com/keelhq/keel/platform/i18n"
	"github.com/keelhq/keel/platform/tracing"
)

// apiInfo heads the OpenAPI document.
var apiInfo = route.Info{
	Title:   "Keel API",
	Version: "1.0.0",
	Description: "Keel's public HTTP API. Errors are RFC 9457 problem details (application/problem+json) " +
		"with a stable `code` and a `requestId` equal to the X-Request-Id header; messages are localized " +
		"(?lang=, then Accept-Language, then the account's locale, then en).",
	Tags: []route.Tag{
		{Name: "Auth", Description: "Sign-up, sign-in, tokens, sessions, passwords and e-mail verification."},
		{Name: "Users", Description: "Your own account, and the administration of every account."},
		{Name: "Notifications", Description: "Your notifications (your own and those to everyone, each with your read state), and sending them, for administrators."},
		{Name: "Audit", Description: "The trail of every state-changing action, for administrators."},
		{Name: "Cron", Description: "The ledger of scheduled actions' runs, for administrators."},
	},
}

// trailingTags end the document's tags, after those the context modules contribute
// (APITag).
var trailingTags = []route.Tag{
	{Name: "Realtime", Description: "The WebSocket stream of events: a client's own, broadcasts, and for administrators the admin topic."},
	{Name: "Operations", Description: "Liveness, readiness and metrics, served by every process."},
	{Name: "Documentation", Description: "This reference and the document it is made from."},
}

// documentInfo is apiInfo with the tags the context modules contribute, by name, before
// trailingTags; a tag named twice is an error.
func documentInfo(contributed []route.Tag) (route.Info, error) {
	info := apiInfo
	extra := slices.SortedFunc(slices.Values(contributed), func(a, b route.Tag) int { return strings.Compare(a.Name, b.Name) })
	info.Tags = slices.Concat(apiInfo.Tags, extra, trailingTags)
	seen := map[string]bool{}
	for _, tag := range info.Tags {
		if seen[tag.Name] || tag.Description == "" {
			return route.Info{}, fmt.Errorf("tag %q is described twice, or not at all", tag.Name)
		}
		seen[tag.Name] = true
	}
	return info, nil
}

// API serves the public surface: the per-IP rate limit on /v1, every context's routes
// (authenticated where they are not public), the OpenAPI document and its docs page.
var API = fx.Module("api",
	fx.Provide(newGuard, newSubscriber),
	fx.Invoke(mountAPI),
	// The api hears other instances' session changes for the life of the process.
	fx.Invoke(func(sub *pubsub.Subscriber, c *sessions.Cache) { c.Listen(sub) }),
)

// newSubscriber is the api's one Redis subscription: the consumers (session invalidations,
// event fan-out) register their channels while the process is assembled, and it runs from
// start to stop.
func newSubscriber(lc fx.Lifecycle, rdb *redis.Client, log *slog.Logger) *pubsub.Subscriber {
	sub := pubsub.New(rdb, log)
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error { sub.Start(); return nil },
		OnStop:  sub.Stop,
	})
	return sub
}

func newGuard(cfg *config.Config, rdb *redis.Client, log *slog.Logger) *guard.Guard {
	rl := cfg.RateLimit
	return &guard.Guard{
		Limiter: ratelimit.New(rdb, cfg.Redis.KeyPrefix, log),
		Enabled: rl.Enabled,
		PerIP:   ratelimit.Limit{Rate: rl.PerIP, Burst: rl.PerIPBurst, Period: time.Minute},
		Auth:    ratelimit.Limit{Rate: rl.Auth, Burst: rl.AuthBurst, Period: time.Minute},
		Log:     log,
	}
}

// mountAPI mounts the /v1 routes behind the per-IP limit, and serves the document that
// describes them with the operational routes.
func mountAPI(d apiDeps) error {
	app, routes := d.App, d.Routes
	app.Use("/v1", d.Guard.PerIPLimit)
	mw := &authn.Middleware{Auth: d.Auth, Bundle: d.Bundle}
	(&route.Mounter{Authenticate: mw.SignedIn, Tracer: d.Tracing.Tracer(scopeHTTP)}).Mount(app, routes...)

	var doc []byte
	openapi := route.Raw[map[string]any](route.Route{
		Method: http.MethodGet, Path: docs.SpecPath, ID: "docs.openapi", Tags: []string{"Documentation"},
		Summary: "This document (OpenAPI 3.1)",
	}, fiber.MIMEApplicationJSON, func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Send(doc)
	})
	pages := append(docs.Routes(), openapi)
	all := append(append(server.OpsRoutes(d.Config, d.Health, d.Registry), pages...), routes...)
	info, err := documentInfo(d.Tags)
	if err != nil {
		return fmt.Errorf("openapi document: %w", err)
	}
	if doc, err = route.Document(info, all...); err != nil {
		return fmt.Errorf("openapi document: %w", err)
	}
	new(route.Mounter).Mount(app, pages...)
	return nil
}

// apiDeps are what the public surface is built from.
type apiDeps struct {
	fx.In
	App      *fiber.App
	Config   *config.Config
	Guard    *guard.Guard
	Auth     *auth.Service
	Bundle   *i18n.Bundle
	Health   *health.Checker
	Registry *prometheus.Registry
	Tracing  *tracing.Tracing
	Routes   []route.Route `group:"routes"`
	Tags     []route.Tag   `group:"api.tags"`
}
