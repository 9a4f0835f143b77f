package boot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/keelhq/keel/adapters/http/server"
	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/health"
	"github.com/keelhq/keel/platform/i18n"
	"github.com/keelhq/keel/platform/tracing"
)

// HTTP serves the process's Fiber application on HTTP_ADDR. The listener is bound in
// OnStart, so a port in use fails the start with a message naming it. List it last: its
// start hook then runs after every other module's, so /livez answers only once the
// process has finished starting.
var HTTP = fx.Module("http",
	fx.Provide(newApp),
	fx.Invoke(serve),
)

func newApp(cfg *config.Config, log *slog.Logger, bundle *i18n.Bundle, reg *prometheus.Registry, checker *health.Checker, tr *tracing.Tracing) *fiber.App {
	return server.New(server.Deps{Config: cfg, Logger: log, Bundle: bundle, Registry: reg, Health: checker,
		Tracer: tr.Tracer(scopeHTTP)})
}

func serve(lc fx.Lifecycle, app *fiber.App, cfg *config.Config, log *slog.Logger) {
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			ln, err := net.Listen("tcp", cfg.HTTPAddr)
			if err != nil {
				return fmt.Errorf("cannot listen on HTTP_ADDR=%s: %w", cfg.HTTPAddr, err)
			}
			log.Info("listening", slog.String("addr", ln.Addr().String()))
			go func() {
				if err := app.Listener(server.Listener(ln, cfg.HTTP.MaxConnsPerIP, cfg.HTTP.TrustedProxies)); err != nil && !errors.Is(err, net.ErrClosed) {
					log.Error("http server stopped", slog.String("error", err.Error()))
				}
			}()
			return nil
		},
		OnStop: func(ctx context.Context) error {
			return app.ShutdownWithContext(ctx)
		},
	})
}
