// Package guard protects the API with rate limits: a steady budget per client IP for every
// /v1 request, and a stricter one per e-mail and IP for sign-in, sign-up and password
// reset. Limits are shared by all instances through Redis and degrade to per-instance
// limits when Redis is down.
package guard

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/adapters/redis/ratelimit"
)

// Limiter decides whether one more attempt under key fits lim.
type Limiter interface {
	Allow(ctx context.Context, key string, lim ratelimit.Limit) (ratelimit.Result, error)
}

// Guard applies the limits; a disabled guard lets everything through (benchmarks only).
type Guard struct {
	Limiter Limiter
	Enabled bool
	PerIP   ratelimit.Limit
	Auth    ratelimit.Limit
	Log     *slog.Logger
}

// PerIPLimit is middleware limiting every request per client IP.
func (g *Guard) PerIPLimit(c *fiber.Ctx) error {
	if !g.Enabled {
		return c.Next()
	}
	if err := g.check(c, "ip:"+web.ClientIP(c), g.PerIP, "too_many_requests"); err != nil {
		return err
	}
	return c.Next()
}

// Throttle limits attempts of one subject (e.g. an e-mail and IP) in a bucket such as
// "login", answering 429 too_many_attempts with Retry-After.
func (g *Guard) Throttle(c *fiber.Ctx, bucket, subject string) error {
	return g.check(c, bucket+":"+digest(subject), g.Auth, "too_many_attempts")
}

func (g *Guard) check(c *fiber.Ctx, key string, lim ratelimit.Limit, code string) error {
	if !g.Enabled {
		return nil
	}
	res, err := g.Limiter.Allow(c.UserContext(), key, lim)
	if err != nil {
		// The limiter degrades by itself; an error here is a bug, not an outage: let the
		// request through rather than fail it, and say so.
		g.Log.ErrorContext(c.UserContext(), "rate limiter failed", slog.String("error", err.Error()))
		return nil
	}
	if res.Allowed {
		return nil
	}
	secs := int((res.RetryAfter + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return &web.Error{
		Status: http.StatusTooManyRequests, Code: code, RetryAfter: time.Duration(secs) * time.Second,
		Data: map[string]any{"Count": secs, "RetryAfter": secs},
	}
}

// digest keeps personal data such as e-mail addresses out of Redis keys.
func digest(subject string) string {
	h := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(subject))))
	return hex.EncodeToString(h[:12])
}
