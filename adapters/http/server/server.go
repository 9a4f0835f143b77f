// Package server builds the Fiber application every Keel process serves: the middleware
// chain (request id, language, access log and metrics, panic recovery, security headers,
// CORS, body limit), the problem+json error handler, and the operational routes
// /livez, /readyz and /metrics.
package server

import (
	"log/slog"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"

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
		// Streaming lets the body-limit middleware answer an oversize body with a readable
		// 413 problem instead of fasthttp closing the connection before the client reads it.
		StreamRequestBody:       true,
		ErrorHandler:            eh.Handle,
		EnableTrustedProxyCheck: len(d.Config.HTTP.TrustedProxies) > 0,
		TrustedProxies:          d.Config.HTTP.TrustedProxies,
		ProxyHeader:             proxyHeader(d.Config.HTTP.TrustedProxies),
	})
	guardUnknownMethods(app)

	m := newHTTPMetrics(d.Registry)
	app.Use(
		requestID,
		language(d.Bundle),
		accessLog(d.Logger, m, eh),
		recoverPanics(d.Logger),
		securityHeaders,
		methodGuard,
		cors(web.NewOrigins(d.Config.CORSAllowedOrigins)),
		bodyLimit(d.Config.HTTP.BodyLimit),
		requestContext(d.Config.HTTP.RequestTimeout),
	)
	new(route.Mounter).Mount(app, OpsRoutes(d.Health, d.Registry)...)
	return app
}

func proxyHeader(trusted []string) string {
	if len(trusted) == 0 {
		return ""
	}
	return fiber.HeaderXForwardedFor
}

// guardUnknownMethods wraps the fasthttp handler: Fiber answers a method it does not know
// with plain text before any middleware runs. Such requests are routed as GET, marked, and
// stopped by methodGuard with a problem, after request id, language and logging have run.
func guardUnknownMethods(app *fiber.App) {
	known := make(map[string]bool, len(fiber.DefaultMethods))
	for _, m := range fiber.DefaultMethods {
		known[m] = true
	}
	srv := app.Server()
	next := srv.Handler
	srv.Handler = func(ctx *fasthttp.RequestCtx) {
		if method := string(ctx.Method()); !known[method] {
			ctx.SetUserValue(web.UnknownMethodKey, method)
			ctx.Request.Header.SetMethod(fiber.MethodGet)
		}
		next(ctx)
	}
}
