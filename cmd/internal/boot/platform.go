package boot

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.uber.org/fx"

	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/database"
	"github.com/keelhq/keel/platform/health"
	"github.com/keelhq/keel/platform/i18n"
	"github.com/keelhq/keel/platform/metrics"
	"github.com/keelhq/keel/platform/redisconn"
	"github.com/keelhq/keel/platform/tracing"
)

// probeTimeout bounds one dependency probe of /readyz.
const probeTimeout = time.Second

// Database provides PostgreSQL alone, for one-shot commands such as migrate.
var Database = fx.Module("database", fx.Provide(openDatabase))

// Platform provides what every long-running process shares: PostgreSQL, Redis (possibly
// nil), tracing (possibly off), the message catalogue, the metrics registry and the
// readiness checker.
var Platform = fx.Module("platform",
	Database,
	fx.Provide(
		newTracing,
		openRedis,
		i18n.NewBundle,
		func(cfg *config.Config) *prometheus.Registry { return metrics.NewRegistry(cfg.Process) },
		newChecker,
	),
)

// databaseDeps are what opening the database takes; tracing is absent in one-shot
// commands that run Database alone (migrate).
type databaseDeps struct {
	fx.In
	Lifecycle fx.Lifecycle
	Config    *config.Config
	Logger    *slog.Logger
	Tracing   *tracing.Tracing `optional:"true"`
}

// openDatabase opens the pool and requires PostgreSQL to answer at start-up: a process
// that cannot reach its database fails fast instead of serving errors.
func openDatabase(d databaseDeps) (*database.DB, error) {
	lc, cfg, log := d.Lifecycle, d.Config, d.Logger
	db, err := database.Open(database.Options{
		Tracer:           d.Tracing.Tracer(scopeDatabase),
		URL:              cfg.Database.URL,
		MaxConns:         cfg.Database.MaxConns,
		MinConns:         cfg.Database.MinConns,
		StatementTimeout: cfg.Database.StatementTimeout,
		ConnectTimeout:   cfg.Database.ConnectTimeout,
		ApplicationName:  "keel-" + cfg.Process,
		ExecMode:         cfg.Database.ExecMode,
	})
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	lc.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, cfg.Database.ConnectTimeout)
			defer cancel()
			if err := db.Ping(ctx); err != nil {
				return fmt.Errorf("postgres unreachable (DATABASE_URL=%s): %w", config.MaskURL(cfg.Database.URL), err)
			}
			log.Info("postgres connected")
			return nil
		},
		OnStop: func(context.Context) error { db.Close(); return nil },
	})
	return db, nil
}

// openRedis returns nil when Redis is disabled. A Redis that is down at start-up only
// degrades the process: go-redis reconnects by itself when it returns.
func openRedis(lc fx.Lifecycle, cfg *config.Config, log *slog.Logger, tr *tracing.Tracing) (*redis.Client, error) {
	rdb, err := redisconn.Open(redisconn.Options{URL: cfg.Redis.URL, Timeout: cfg.Redis.Timeout, Logger: log,
		Tracer: tr.Tracer(scopeRedis)})
	if err != nil || rdb == nil {
		if rdb == nil && err == nil {
			log.Info("redis disabled (REDIS_URL is empty): single-instance mode")
		}
		return nil, err
	}
	lc.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			if err := redisconn.Ping(ctx, rdb); err != nil {
				log.Warn("redis unreachable at start-up; running degraded", slog.String("error", err.Error()))
				return nil
			}
			log.Info("redis connected")
			return nil
		},
		OnStop: func(context.Context) error { return rdb.Close() },
	})
	return rdb, nil
}

func newChecker(db *database.DB, rdb *redis.Client) *health.Checker {
	checks := []health.Check{{Name: "postgres", Required: true, Probe: db.Ping}}
	redisCheck := health.Check{Name: "redis"}
	if rdb != nil {
		redisCheck.Probe = func(ctx context.Context) error { return redisconn.Ping(ctx, rdb) }
	}
	return health.NewChecker(probeTimeout, append(checks, redisCheck)...)
}
