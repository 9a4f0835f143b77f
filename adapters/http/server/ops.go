package server

import (
	"context"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/platform/health"
)

// readyTimeout bounds one readiness probe run, whatever the request's own deadline.
const readyTimeout = 2 * time.Second

// mountOps installs /livez, /readyz and /metrics.
func mountOps(app *fiber.App, checker *health.Checker, reg *prometheus.Registry) {
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
	app.Get("/metrics", adaptor.HTTPHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})))
}
