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

	"github.com/keelhq/keel/adapters/http/route"
	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/health"
)

// readyTimeout bounds one readiness probe run, whatever the request's own deadline.
const readyTimeout = 2 * time.Second

// liveness is the answer of /livez.
type liveness struct {
	Status string `json:"status" required:"true" enum:"ok"`
}

// errMetricsHidden answers a request for /metrics that may not see them, as if there
// were none.
var errMetricsHidden = web.NewError(http.StatusNotFound, "not_found")

// OpsRoutes are /livez, /readyz and /metrics, which every process serves.
func OpsRoutes(cfg *config.Config, checker *health.Checker, reg *prometheus.Registry) []route.Route {
	tags := []string{"Operations"}
	metrics := adaptor.HTTPHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	allowed := metricsAccess(cfg)
	return []route.Route{
		route.Raw[liveness](route.Route{
			Method: http.MethodGet, Path: "/livez", ID: "ops.livez", Tags: tags, Summary: "Liveness: 200 while the process runs",
		}, fiber.MIMEApplicationJSON, func(c *fiber.Ctx) error {
			return c.JSON(liveness{Status: health.StatusOK})
		}),
		route.Raw[health.Report](route.Route{
			Method: http.MethodGet, Path: "/readyz", ID: "ops.readyz", Tags: tags,
			Summary:     "Readiness: 503 while PostgreSQL is unreachable",
			Description: "A Redis that is down is reported as degraded, not as a failure.",
		}, fiber.MIMEApplicationJSON, func(c *fiber.Ctx) error {
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
		}),
		route.Raw[string](route.Route{
			Method: http.MethodGet, Path: "/metrics", ID: "ops.metrics", Tags: tags, Summary: "Prometheus metrics",
			Description: "With METRICS_TOKEN set, only for `Authorization: Bearer <METRICS_TOKEN>`; without it, " +
				"open outside production and absent (404) in production.",
			Problems: []error{errMetricsHidden},
		}, "text/plain; version=0.0.4", func(c *fiber.Ctx) error {
			if !allowed(c) {
				return errMetricsHidden
			}
			return metrics(c)
		}),
	}
}

// metricsAccess says who may read /metrics: with METRICS_TOKEN set, only a request bearing
// that token; without one, anyone outside production and no one in production, so a
// public port never hands out the process's internals by default.
func metricsAccess(cfg *config.Config) func(*fiber.Ctx) bool {
	want := []byte(cfg.MetricsToken)
	open := cfg.MetricsToken == "" && !cfg.IsProduction()
	return func(c *fiber.Ctx) bool {
		if open {
			return true
		}
		token, ok := web.BearerToken(c.Get(fiber.HeaderAuthorization))
		return ok && cfg.MetricsToken != "" && subtle.ConstantTimeCompare([]byte(token), want) == 1
	}
}
