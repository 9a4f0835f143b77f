package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/invopop/validation"

	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/platform/database"
	"github.com/keelhq/keel/platform/i18n"
	"github.com/keelhq/keel/platform/tracing"
	"github.com/keelhq/keel/platform/validate"
)

// unavailableRetryAfter is what clients are told to wait when a dependency is down.
const unavailableRetryAfter = 5 * time.Second

// kindStatus maps domain error kinds to HTTP statuses: the one place they are mapped.
var kindStatus = map[kernel.Kind]int{
	kernel.KindInvalid:         http.StatusBadRequest,
	kernel.KindUnauthenticated: http.StatusUnauthorized,
	kernel.KindForbidden:       http.StatusForbidden,
	kernel.KindNotFound:        http.StatusNotFound,
	kernel.KindConflict:        http.StatusConflict,
	kernel.KindUnprocessable:   http.StatusUnprocessableEntity,
	kernel.KindRateLimited:     http.StatusTooManyRequests,
	kernel.KindUnavailable:     http.StatusServiceUnavailable,
}

// ErrorHandler turns any error a handler returns into a problem+json response.
type ErrorHandler struct {
	Bundle *i18n.Bundle
	Logger *slog.Logger
}

// Handle is a fiber.ErrorHandler.
func (h *ErrorHandler) Handle(c *fiber.Ctx, err error) error {
	loc := Localizer(c)
	if loc == nil {
		loc = h.Bundle.Localizer("en")
	}
	werr, fields := classify(err, loc)
	if werr.Status >= 500 && werr.Status != http.StatusNotImplemented {
		h.Logger.ErrorContext(c.UserContext(), "request failed",
			slog.Int("status", werr.Status), slog.String("code", werr.Code), slog.String("error", err.Error()))
	}
	p := h.Problem(loc, werr)
	p.Instance = c.Path()
	p.RequestID = RequestID(c)
	p.TraceID, _ = tracing.TraceID(c.UserContext())
	p.Errors = fields
	return Write(c, p, werr.RetryAfter)
}

// Problem builds the localized problem for a transport error.
func (h *ErrorHandler) Problem(loc *i18n.Localizer, e *Error) Problem {
	return Problem{
		Type:       TypeURI(e.Code),
		Title:      message(h.Bundle, loc, e.Code, e.Status, "title", e.Data),
		Status:     e.Status,
		Detail:     message(h.Bundle, loc, e.Code, e.Status, "detail", e.Data),
		Code:       e.Code,
		Extensions: e.Extensions,
	}
}

// Write sends p with the problem media type (and Retry-After when given).
func Write(c *fiber.Ctx, p Problem, retryAfter time.Duration) error {
	if retryAfter > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int((retryAfter+time.Second-1)/time.Second)))
	}
	body, err := p.MarshalJSON()
	if err != nil {
		return err
	}
	c.Status(p.Status)
	c.Set(fiber.HeaderContentType, ContentTypeProblem)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(body)
}

// message looks up problem.<code>.<part>, falling back to the generic problem of the status.
// A Count in data selects the plural form.
func message(b *i18n.Bundle, loc *i18n.Localizer, code string, status int, part string, data map[string]any) string {
	id := "problem." + code + "." + part
	if !b.Has(id) {
		id = "problem." + codeForStatus(status) + "." + part
	}
	if n, ok := data["Count"].(int); ok {
		return loc.Plural(id, n, data)
	}
	return loc.T(id, data)
}

// classify reduces any error to a transport error, plus field errors for invalid input.
func classify(err error, loc *i18n.Localizer) (*Error, []validate.FieldError) {
	var werr *Error
	var ferr *fiber.Error
	var verrs validation.Errors
	switch {
	case errors.As(err, &werr):
		return werr, nil
	case errors.As(err, &verrs):
		fields, _ := validate.Fields(verrs, loc)
		return ValidationFailed(len(fields)), fields
	case errors.As(err, &ferr):
		return &Error{Status: ferr.Code, Code: codeForStatus(ferr.Code), Err: err}, nil
	}
	if ke, ok := kernel.AsError(err); ok {
		status, known := kindStatus[ke.Kind()]
		if !known {
			status = http.StatusInternalServerError
		}
		e := &Error{Status: status, Code: ke.Code(), Err: err}
		if status == http.StatusServiceUnavailable {
			e.RetryAfter = unavailableRetryAfter
		}
		return e, nil
	}
	if database.IsUnavailable(err) || errors.Is(err, context.DeadlineExceeded) {
		return &Error{Status: http.StatusServiceUnavailable, Code: "service_unavailable", RetryAfter: unavailableRetryAfter, Err: err}, nil
	}
	return &Error{Status: http.StatusInternalServerError, Code: "internal_error", Err: err}, nil
}

// ValidationFailed is the 400 for a request with n invalid fields.
func ValidationFailed(n int) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "validation_failed", Data: map[string]any{"Count": n}}
}

// Describe returns the status and code the error handler answers err with: how an
// operation's documentation names the problems it may answer.
func Describe(err error) (status int, code string) {
	var verrs validation.Errors
	if errors.As(err, &verrs) {
		return http.StatusBadRequest, "validation_failed"
	}
	e, _ := classify(err, nil)
	return e.Status, e.Code
}
