package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/invopop/validation"

	"github.com/keelhq/keel/domain/kernel"
)

// QueryParams reads query parameters, collecting every invalid one so the client hears of
// all its mistakes in one validation_failed answer.
type QueryParams struct {
	c    *fiber.Ctx
	errs validation.Errors
}

// Query starts reading c's query parameters.
func Query(c *fiber.Ctx) *QueryParams { return &QueryParams{c: c, errs: validation.Errors{}} }

// String returns the trimmed parameter (a copy, safe to keep).
func (q *QueryParams) String(name string) string {
	return strings.Clone(strings.TrimSpace(q.c.Query(name)))
}

// Fail records an error for the parameter (nil is ignored).
func (q *QueryParams) Fail(name string, err error) {
	if err != nil {
		q.errs[name] = err
	}
}

// Int returns an integer parameter, or def when absent.
func (q *QueryParams) Int(name string, def int) int {
	s := q.String(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		q.Fail(name, validation.NewError("invalid_integer", "must be a whole number"))
	}
	return n
}

// Time returns an RFC 3339 timestamp parameter, or the zero time when absent.
func (q *QueryParams) Time(name string) time.Time {
	s := q.String(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		q.Fail(name, validation.NewError("invalid_timestamp", "must be an RFC 3339 timestamp"))
	}
	return t
}

// UUID returns a UUID parameter, or uuid.Nil when absent.
func (q *QueryParams) UUID(name string) uuid.UUID {
	s := q.String(name)
	if s == "" {
		return uuid.Nil
	}
	id, err := uuid.Parse(s)
	if err != nil {
		q.Fail(name, validation.NewError("invalid_uuid", "must be a valid UUID"))
	}
	return id
}

// Bool returns a boolean parameter, or false when absent.
func (q *QueryParams) Bool(name string) bool {
	s := q.String(name)
	if s == "" {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		q.Fail(name, validation.NewError("invalid_boolean", "must be true or false"))
	}
	return b
}

// Page reads limit and cursor for the list named list, and reports every error collected
// so far: invalid parameters first, then a cursor that is not this list's.
func (q *QueryParams) Page(c *Cursors, list string) (kernel.Page, error) {
	limit := q.Int("limit", 0)
	if limit == 0 && q.String("limit") != "" {
		q.Fail("limit", kernel.ErrInvalidLimit)
	}
	page, err := kernel.NewPage(limit, uuid.Nil)
	if err != nil {
		q.Fail("limit", kernel.ErrInvalidLimit)
	}
	if err := q.Err(); err != nil {
		return kernel.Page{}, err
	}
	after, err := c.Decode(list, q.String("cursor"))
	if err != nil {
		return kernel.Page{}, err
	}
	page.After = after
	return page, nil
}

// Err returns the collected errors, or nil.
func (q *QueryParams) Err() error {
	return q.errs.Filter()
}
