package route

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/keelhq/keel/adapters/http/web"
)

// traced wraps an operation's handler (its policy, input decoding and use case) in a span
// named after the operation's ID, e.g. "users.update": every route, a generated context's
// included, gets its use-case span with no code of its own. A failure records its problem
// status and code (never an error's text); a 5xx or a panic fails the span.
//
// The request keeps its own context once the handler returns, so the error handler and
// the access log, which run after the use case's span has ended, see the request's span.
func traced(t trace.Tracer, id string, h fiber.Handler) fiber.Handler {
	name := id
	if name == "" {
		name = "operation"
	}
	opAttr := attribute.String("keel.operation", id)
	return func(c *fiber.Ctx) error {
		parent := c.UserContext()
		ctx, span := t.Start(parent, name, trace.WithAttributes(opAttr))
		c.SetUserContext(ctx)
		returned := false
		defer func() {
			if !returned { // h panicked: the span ends failed, the panic goes on to be recovered
				span.SetStatus(codes.Error, "panic")
			}
			c.SetUserContext(parent)
			span.End()
		}()
		err := h(c)
		returned = true
		if err != nil {
			status, code := web.Describe(err)
			span.SetAttributes(attribute.String("keel.problem.code", code), attribute.Int("keel.problem.status", status))
			if status >= http.StatusInternalServerError {
				span.SetStatus(codes.Error, code)
			}
		}
		return err
	}
}
