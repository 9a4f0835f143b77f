// Package redisconn opens the go-redis client Keel uses for its cache, rate limits and
// event fan-out. Redis is optional: an empty URL means single-instance mode.
package redisconn

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"
)

// Options are the Redis connection settings.
type Options struct {
	// URL is a redis:// or rediss:// URL; empty disables Redis.
	URL string
	// Timeout bounds dialing, reads and writes of one command (default 500ms).
	Timeout time.Duration
	// Logger receives go-redis's own messages (at warn level) instead of the plain-text
	// lines go-redis would write into the JSON log. go-redis has one logger per process.
	Logger *slog.Logger
	// Tracer, when set, records a span per command run inside a recording span (see
	// traceHook); nil adds no hook at all.
	Tracer trace.Tracer
}

// goRedisLogger turns go-redis's printf-style messages into structured log lines.
type goRedisLogger struct{ log *slog.Logger }

// Printf implements go-redis's internal Logging interface.
func (l goRedisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "go-redis", slog.String("message", strings.TrimSpace(fmt.Sprintf(format, v...))))
}

// Open returns a client, or nil when Redis is disabled. It does not wait for the server:
// Redis may be down at start-up and come back later; callers degrade meanwhile.
func Open(o Options) (*redis.Client, error) {
	if o.Logger != nil {
		redis.SetLogger(goRedisLogger{o.Logger})
	}
	if o.URL == "" {
		return nil, nil
	}
	ro, err := redis.ParseURL(o.URL)
	if err != nil {
		return nil, fmt.Errorf("parse REDIS_URL: not a valid redis URL")
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 500 * time.Millisecond
	}
	ro.DialTimeout = timeout
	ro.ReadTimeout = timeout
	ro.WriteTimeout = timeout
	ro.PoolTimeout = timeout
	// Fail fast while Redis is down instead of retrying inside a request's budget: by
	// default go-redis retries a refused dial 5 times, 100 ms apart, on every command.
	ro.MaxRetries = 1
	ro.DialerRetries = 1
	ro.ContextTimeoutEnabled = true
	c := redis.NewClient(ro)
	if o.Tracer != nil {
		c.AddHook(newTraceHook(o.Tracer, ro))
	}
	return c, nil
}

// Ping checks that the server answers within ctx.
func Ping(ctx context.Context, c *redis.Client) error {
	return c.Ping(ctx).Err()
}
