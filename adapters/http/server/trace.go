package server

import (
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/platform/tracing"
)

// untraced are the operational paths probes and scrapers call every few seconds: they
// would bury the requests worth reading.
var untraced = map[string]bool{"/livez": true, "/readyz": true, "/metrics": true}

// traceRequests records the server span of every request but the operational ones,
// continuing the caller's trace when the request carries a W3C traceparent. The span is
// named after the matched route's pattern ("PATCH /v1/users/:id"), never the raw path
// with its ids; it carries the method, the path (without its query, which may hold a
// token), the route, the status, the client address and the request id. A 5xx fails it.
// It runs after requestID and before the access log, so that log line and a problem's
// traceId name this span's trace.
func traceRequests(t trace.Tracer) fiber.Handler {
	return func(c *fiber.Ctx) error {
		path := c.Path()
		if untraced[path] {
			return c.Next()
		}
		ctx := tracing.ExtractHeaders(c.UserContext(), func(key string) string {
			return strings.Clone(c.Get(key)) // fasthttp reuses its header buffer
		})
		method := requestMethod(c)
		ctx, span := t.Start(ctx, method, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(
			attribute.String("http.request.method", method),
			attribute.String("url.path", strings.Clone(path)),
			attribute.String("client.address", web.ClientIP(c)),
			attribute.String("keel.request_id", web.RequestID(c)),
		))
		defer span.End()
		c.SetUserContext(ctx)
		err := c.Next()
		status := c.Response().StatusCode()
		if route := routeLabel(c); route != "unmatched" {
			span.SetName(method + " " + route)
			span.SetAttributes(attribute.String("http.route", route))
		}
		span.SetAttributes(attribute.Int("http.response.status_code", status))
		if status >= http.StatusInternalServerError && status != http.StatusNotImplemented {
			span.SetStatus(codes.Error, http.StatusText(status))
		}
		return err
	}
}
