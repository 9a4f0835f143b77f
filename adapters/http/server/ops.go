package server

import (
	"context"
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/health"
)

// readyTimeout bounds one readiness probe run, whatever the request's own deadline.
const readyTimeout = 2 * time.Second

// metricsAccess guards /metrics: with METRICS_TOKEN set, only a request bearing that token
// is served; without one, /metrics is open outside production and absent in production,
// so a public port never hands out the process's internals by default.
func metricsAccess(cfg *config.Config) fiber.Handler {
	want := []byte("Bearer " + cfg.MetricsToken)
	open := cfg.MetricsToken == "" && !cfg.IsProduction()
	return func(c *fiber.Ctx) error {
		if open {
			return c.Next()
		}
		got := []byte(c.Get(fiber.HeaderAuthorization))
		if cfg.MetricsToken == "" || subtle.ConstantTimeCompare(got, want) != 1 {
			return web.NewError(http.StatusNotFound, "not_found")
		}
		return c.Next()
	}
}

// mountOps installs /livez, /readyz and /metrics (behind guard).
func mountOps(app *fiber.App, checker *health.Checker, reg *prometheus.Registry, guard fiber.Handler) {
	app.Get("/livez", func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"status": health.StatusOK})
	})
	app.Get("/readyz", func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), readyTimeout)
		defer cancel()
		rep := checker.Run(ctx)
		if rep.Ready() {
			return c.JSON(rep)
		}
		return &web.Error{
			Status:     http.StatusServiceUnavailable,
			Code:       "service_unavailable",
			RetryAfter: 5 * time.Second,
			Extensions: map[string]any{"checks": rep.Checks},
		}
	})
	app.Get("/metrics", guard, adaptor.HTTPHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})))
}
