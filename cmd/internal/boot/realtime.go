package boot

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/keelhq/keel/adapters/http/route"
	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/adapters/postgres/eventlog"
	"github.com/keelhq/keel/adapters/redis/pubsub"
	"github.com/keelhq/keel/adapters/redis/sessions"
	"github.com/keelhq/keel/adapters/ws"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/database"
	"github.com/keelhq/keel/platform/i18n"
	"github.com/keelhq/keel/platform/tracing"
)

// Realtime is the api's WebSocket hub at GET /v1/ws: it hears the fan-out shard channels
// through the api's subscriber (polling the event log while Redis is away), closes the
// sockets of sessions that end, and closes every socket with 1001 when the api stops.
var Realtime = fx.Module("realtime",
	fx.Provide(newHub, Routes(func(h *ws.Hub) []route.Route { return []route.Route{h.Route()} })),
	fx.Invoke(func(lc fx.Lifecycle, h *ws.Hub, sub *pubsub.Subscriber, cache *sessions.Cache, cfg *config.Config) {
		h.Listen(sub, cfg.Redis.KeyPrefix)
		cache.Watch(h.SessionsChanged)
		lc.Append(fx.Hook{
			OnStart: func(context.Context) error { h.Start(); return nil },
			OnStop:  h.Shutdown,
		})
	}),
)

type hubDeps struct {
	fx.In
	Config   *config.Config
	DB       *database.DB
	Auth     *auth.Service
	Sessions *sessions.Cache
	Bundle   *i18n.Bundle
	Logger   *slog.Logger
	Registry *prometheus.Registry
	Tracing  *tracing.Tracing
}

func newHub(d hubDeps) *ws.Hub {
	w := d.Config.WS
	return ws.New(ws.Deps{
		Auth: d.Auth, Sessions: d.Sessions, Log: eventlog.New(d.DB.Bun), Bundle: d.Bundle, Logger: d.Logger,
		Registry: d.Registry, Tracer: d.Tracing.Tracer(scopeHub),
		Options: ws.Options{
			Origins: web.NewOrigins(d.Config.WSAllowedOrigins), MaxConnsPerUser: w.MaxConnsPerUser,
			QueueBytes: w.SendQueueBytes, Heartbeat: w.Heartbeat, MaxFrameBytes: w.MaxFrameBytes,
			ReplayMax: w.ReplayMax, PollEvery: w.PollInterval, WriteTimeout: w.FrameWriteTimeout,
			RequestTimeout: d.Config.HTTP.RequestTimeout, ClientFrameRate: clientFrameRate(d.Config),
		},
	})
}

// clientFrameRate is the hub's per-client frame rate: none when RATE_LIMIT_ENABLED=false
// (benchmarks only), like every other rate limit.
func clientFrameRate(cfg *config.Config) int {
	if !cfg.RateLimit.Enabled {
		return -1
	}
	return cfg.WS.ClientFrameRate
}
