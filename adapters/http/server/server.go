// Package server builds the Fiber application every Keel process serves: the middleware
// chain (request id, language, access log and metrics, panic recovery, security headers,
// CORS, body limit), the problem+json error handler, and the operational routes
// /livez, /readyz and /metrics.
package server

import (
	"log/slog"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/keelhq/keel/adapters/http/route"
	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/health"
	"github.com/keelhq/keel/platform/i18n"
)

// Deps are what the server needs from the platform.
type Deps struct {
	Config   *config.Config
	Logger   *slog.Logger
	Bundle   *i18n.Bundle
	Registry *prometheus.Registry
	Health   *health.Checker
	// Tracer, when set, records a server span per request (traceRequests); nil (tracing
	// off) installs no middleware at all.
	Tracer trace.Tracer
}

// New returns an application with the middleware chain and operational routes installed;
// callers mount their routes on it before serving.
func New(d Deps) *fiber.App {
	eh := &web.ErrorHandler{Bundle: d.Bundle, Logger: d.Logger}
	app := fiber.New(fiber.Config{
		AppName:               "keel-" + d.Config.Process,
		DisableStartupMessage: true,
		ReadTimeout:           d.Config.HTTP.ReadTimeout,
		WriteTimeout:          d.Config.HTTP.WriteTimeout,
		IdleTimeout:           d.Config.HTTP.IdleTimeout,
		BodyLimit:             d.Config.HTTP.BodyLimit,
		// The whole request head must fit the read buffer; a larger one is refused by
		// fasthttp and answered by serverErrors.
		ReadBufferSize: d.Config.HTTP.MaxHeaderBytes,
		// Streaming lets the body-limit middleware answer an oversize body with a readable
		// 413 problem instead of fasthttp closing the connection before the client reads it.
		StreamRequestBody: true,
		// A multipart body reaches the route (whose decoder answers 415) unparsed.
		DisablePreParseMultipartForm: true,
		// One spelling per route: /V1/USERS/ME is not /v1/users/me, and /v1/users/me/ is
		// not either (routes are mounted by their exact paths).
		CaseSensitive: true,
		StrictRouting: true,
		ErrorHandler:  eh.Handle,
		// Hot answers (a User) write their own JSON, the same bytes without reflection.
		JSONEncoder: web.EncodeJSON,
		// Always on: with no trusted proxy configured, no peer's X-Forwarded-* is believed.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          d.Config.HTTP.TrustedProxies,
		ProxyHeader:             proxyHeader(d.Config.HTTP.TrustedProxies),
	})
	m := newHTTPMetrics(d.Registry)
	srv := app.Server()
	srv.Handler = (&edge{proxies: newProxies(d.Config.HTTP.TrustedProxies)}).wrap(srv.Handler)
	srv.ErrorHandler = (&serverErrors{app: app, eh: eh, bundle: d.Bundle, log: d.Logger, m: m,
		limit: d.Config.HTTP.BodyLimit}).handle
	srv.ContinueHandler = continueGuard(srv.Handler, d.Config.HTTP.BodyLimit)

	app.Use(requestID)
	if d.Tracer != nil {
		app.Use(traceRequests(d.Tracer))
	}
	app.Use(
		language(d.Bundle),
		accessLog(d.Logger, m, eh),
		recoverPanics(d.Logger),
		securityHeaders,
		reject,
		cors(web.NewOrigins(d.Config.CORSAllowedOrigins)),
		bodyLimit(d.Config.HTTP.BodyLimit),
		requestContext(d.Config.HTTP.RequestTimeout),
	)
	new(route.Mounter).Mount(app, OpsRoutes(d.Config, d.Health, d.Registry)...)
	return app
}

func proxyHeader(trusted []string) string {
	if len(trusted) == 0 {
		return ""
	}
	return fiber.HeaderXForwardedFor
}
