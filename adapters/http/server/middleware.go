package server

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/platform/i18n"
	"github.com/keelhq/keel/platform/logging"
	"github.com/keelhq/keel/ports"
)

// HeaderRequestID carries the request id in both directions.
const HeaderRequestID = "X-Request-Id"

var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestID echoes a sane X-Request-Id or makes a new one, and tags the request's logs.
func requestID(c *fiber.Ctx) error {
	id := c.Get(HeaderRequestID)
	if !saneRequestID.MatchString(id) {
		id = newRequestID(web.Started(c))
	} else {
		id = strings.Clone(id) // fasthttp reuses the header buffer after the request
	}
	web.SetRequestID(c, id)
	c.Set(HeaderRequestID, id)
	c.SetUserContext(logging.WithAttrs(c.UserContext(), slog.String("request_id", id)))
	return c.Next()
}

// newRequestID returns a UUIDv7 for a request taken at t: its millisecond, then random
// bits from the runtime's generator, which is cheap and takes no lock (uuid.NewV7 reads
// crypto/rand and keeps ids of one millisecond in order under a mutex; a request id
// needs to be unique, not ordered or secret).
func newRequestID(t time.Time) string {
	var id uuid.UUID
	binary.BigEndian.PutUint64(id[:8], uint64(t.UnixMilli())<<16|0x7000|rand.Uint64()&0x0fff)
	binary.BigEndian.PutUint64(id[8:], 1<<63|rand.Uint64()>>2)
	var buf [36]byte
	return string(kernel.AppendID(buf[:0], id))
}

// language negotiates the response language: ?lang=, then Accept-Language, then English.
// A signed-in user's stored locale may replace a language the client did not choose.
func language(b *i18n.Bundle) fiber.Handler {
	return func(c *fiber.Ctx) error {
		lang, ok := b.Parse(c.Query("lang"))
		if !ok {
			lang, ok = b.MatchAcceptLanguage(c.Get(fiber.HeaderAcceptLanguage))
		}
		if !ok {
			lang = "en"
		}
		web.SetLocalizer(c, b.Localizer(lang), ok)
		return c.Next()
	}
}

// accessLog logs one line per request and records metrics. It runs the error handler
// itself so that the logged status is the one the client receives.
func accessLog(log *slog.Logger, m *httpMetrics, eh *web.ErrorHandler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := web.Started(c) // when the server took the request from the connection
		if err := c.Next(); err != nil {
			if herr := eh.Handle(c, err); herr != nil {
				c.Status(http.StatusInternalServerError)
			}
		}
		elapsed := time.Since(start)
		status := c.Response().StatusCode()
		method := requestMethod(c)
		route := routeLabel(c)
		m.observe(method, route, status, elapsed)
		level := slog.LevelInfo
		if status >= 500 && status != http.StatusNotImplemented {
			level = slog.LevelError // a made-up method is the client's doing, not a failure
		}
		// The path is logged without its query string: a query may carry a token.
		log.LogAttrs(c.UserContext(), level, "http request",
			slog.String("method", method),
			slog.String("path", c.Path()),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
			slog.Int("bytes", len(c.Response().Body())),
			slog.String("ip", web.ClientIP(c)),
			slog.String("user_agent", c.Get(fiber.HeaderUserAgent)),
		)
		return nil
	}
}

// routeLabel is the matched route pattern, or "unmatched", keeping metric labels bounded.
// When no route matches, Fiber leaves the last middleware's route in place ("/", or a
// prefix such as the api's "/v1"): a pattern without parameters that is not the path
// (routing is case-sensitive and strict, so a route without parameters matches its own
// path only).
func routeLabel(c *fiber.Ctx) string {
	r := c.Route()
	if r == nil || (len(r.Params) == 0 && r.Path != c.Path()) {
		return "unmatched"
	}
	return r.Path
}

// recoverPanics turns a panic into a logged 500 problem.
func recoverPanics(log *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) (err error) {
		defer func() {
			if r := recover(); r != nil {
				log.ErrorContext(c.UserContext(), "panic", slog.String("panic", fmt.Sprint(r)), slog.String("stack", string(debug.Stack())))
				err = web.NewError(http.StatusInternalServerError, "internal_error")
			}
		}()
		return c.Next()
	}
}

// securityHeaders sets conservative headers for a JSON API.
func securityHeaders(c *fiber.Ctx) error {
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; frame-ancestors 'none'")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Set(fiber.HeaderCacheControl, "no-store")
	if web.HTTPS(c) {
		c.Set(fiber.HeaderStrictTransportSecurity, "max-age=31536000; includeSubDomains")
	}
	return c.Next()
}

// cors allows configured browser origins, with credentials (the refresh cookie).
func cors(origins *web.Origins) fiber.Handler {
	allowHeaders := "Authorization, Content-Type, Accept-Language, X-Request-Id"
	expose := "X-Request-Id, Retry-After, Content-Language"
	return func(c *fiber.Ctx) error {
		origin := c.Get(fiber.HeaderOrigin)
		if origin == "" {
			return c.Next()
		}
		c.Vary(fiber.HeaderOrigin)
		if !origins.Allowed(origin) {
			return c.Next()
		}
		c.Set(fiber.HeaderAccessControlAllowOrigin, origin)
		c.Set(fiber.HeaderAccessControlAllowCredentials, "true")
		if c.Method() == fiber.MethodOptions && c.Get(fiber.HeaderAccessControlRequestMethod) != "" {
			c.Set(fiber.HeaderAccessControlAllowMethods, "GET, POST, PUT, PATCH, DELETE")
			c.Set(fiber.HeaderAccessControlAllowHeaders, allowHeaders)
			c.Set(fiber.HeaderAccessControlMaxAge, "600")
			return c.SendStatus(http.StatusNoContent)
		}
		c.Set(fiber.HeaderAccessControlExposeHeaders, expose)
		return c.Next()
	}
}

// drainLimit is how much of an oversize body is read and discarded so the client finishes
// sending and reads the 413; beyond it the connection is closed.
const drainLimit = 4 << 20

// bodyLimit reads the (streamed) request body, at most limit bytes, and answers a larger one
// with 413 problem+json. A declared Content-Length over the limit is refused unread.
func bodyLimit(limit int) fiber.Handler {
	return func(c *fiber.Ctx) error {
		req := c.Request()
		stream := c.Context().RequestBodyStream()
		if stream == nil || req.Header.ContentLength() == 0 {
			return c.Next()
		}
		tooLarge := func() error {
			_, _ = io.CopyN(io.Discard, stream, drainLimit)
			c.Set(fiber.HeaderConnection, "close")
			return &web.Error{Status: http.StatusRequestEntityTooLarge, Code: "payload_too_large",
				Data: map[string]any{"Limit": humanBytes(limit)}}
		}
		if req.Header.ContentLength() > limit {
			return tooLarge()
		}
		var buf bytes.Buffer
		if _, err := io.Copy(&buf, io.LimitReader(stream, int64(limit)+1)); err != nil {
			return unreadableBody(c, err)
		}
		if buf.Len() > limit {
			return tooLarge()
		}
		req.SetBodyRaw(buf.Bytes())
		return c.Next()
	}
}

// unreadableBody answers a body that could not be read: its framing is broken (a bad chunk
// size, more data than a chunk declared) or it stopped arriving. Where one request's body
// ends is then unknown, so whatever follows on the connection is not read as a request
// (that would let a body smuggle one in): the connection is closed.
func unreadableBody(c *fiber.Ctx, err error) error {
	c.Set(fiber.HeaderConnection, "close")
	c.Context().SetConnectionClose()
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) {
		return &web.Error{Status: http.StatusRequestTimeout, Code: "request_timeout", Err: err}
	}
	return &web.Error{Status: http.StatusBadRequest, Code: "invalid_body", Err: err}
}

func humanBytes(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// requestContext gives the request a deadline that reaches every Postgres and Redis call
// (fasthttp does not cancel a request when its client goes away), and describes the
// request for the audit trail.
func requestContext(timeout time.Duration) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), timeout)
		defer cancel()
		c.SetUserContext(ports.WithRequest(ctx, ports.RequestInfo{
			RequestID: web.RequestID(c),
			IP:        web.ClientIP(c),
			UserAgent: strings.Clone(c.Get(fiber.HeaderUserAgent)),
		}))
		return c.Next()
	}
}
