package kernel

import (
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/invopop/validation"
)

// NewID returns a new time-ordered identifier (UUIDv7): ids sort by creation time, which
// keyset pagination relies on.
func NewID() uuid.UUID {
	return uuid.Must(uuid.NewV7())
}

// AppendID appends id in its canonical 36-character form (what id.String() returns)
// without allocating, for the hot paths that write ids into keys and response bodies.
func AppendID(b []byte, id uuid.UUID) []byte {
	const hex = "0123456789abcdef"
	for i, x := range id {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hex[x>>4], hex[x&0xF])
	}
	return b
}

// Locale is one of the languages Keel ships.
type Locale string

// The shipped locales; DefaultLocale is used when none is known.
const (
	LocaleEN      Locale = "en"
	LocaleDE      Locale = "de"
	LocaleES      Locale = "es"
	DefaultLocale        = LocaleEN
)

// ErrInvalidLocale is the validation error of an unsupported locale.
var ErrInvalidLocale = validation.NewError("invalid_locale", "must be one of en, de, es")

// ParseLocale accepts a shipped locale code.
func ParseLocale(s string) (Locale, error) {
	switch l := Locale(strings.ToLower(strings.TrimSpace(s))); l {
	case LocaleEN, LocaleDE, LocaleES:
		return l, nil
	case "":
		return "", validation.ErrRequired
	}
	return "", ErrInvalidLocale
}

// Role is what a user may do: an ordinary user or an administrator.
type Role string

// The roles.
const (
	RoleUser  Role = "user"
	RoleAdmin Role = "admin"
)

// ErrInvalidRole is the validation error of an unknown role.
var ErrInvalidRole = validation.NewError("invalid_role", "must be user or admin")

// ParseRole accepts "user" or "admin".
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleUser, RoleAdmin:
		return r, nil
	case "":
		return "", validation.ErrRequired
	}
	return "", ErrInvalidRole
}

// Change is one field's old and new value in an audit record.
type Change struct {
	From any
	To   any
}

// Changes maps field names to their changes. Secret fields never appear in it.
type Changes map[string]Change

// Set records a change of field when from and to differ.
func (c Changes) Set(field string, from, to any) {
	if from != to {
		c[field] = Change{From: from, To: to}
	}
}

// Page asks for one page of a keyset-paginated list, newest first.
type Page struct {
	// Limit is the page size, 1 to 100.
	Limit int
	// After is the id of the last item of the previous page, or zero for the first page.
	After uuid.UUID
}

// ErrInvalidLimit is the validation error of a page size out of range.
var ErrInvalidLimit = validation.NewError("out_of_range", "must be between 1 and 100").SetParams(map[string]any{"min": 1, "max": 100})

// NewPage checks the limit; zero means the default of 20.
func NewPage(limit int, after uuid.UUID) (Page, error) {
	if limit == 0 {
		limit = 20
	}
	if limit < 1 || limit > 100 {
		return Page{}, validation.Errors{"limit": ErrInvalidLimit}
	}
	return Page{Limit: limit, After: after}, nil
}

// Trim cuts the up to Limit+1 items a repository returned for page down to the page, and
// reports whether more follow: repositories fetch one extra row to know it without counting.
func Trim[T any](items []T, page Page) ([]T, bool) {
	if len(items) > page.Limit {
		return items[:page.Limit], true
	}
	return items, false
}

// Timestamp truncates t to microseconds in UTC, the precision PostgreSQL keeps, so that a
// value read back equals the value written.
func Timestamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// UserTopic is the event topic of one account's own stream, which every context that
// tells a user about a change publishes on.
func UserTopic(id uuid.UUID) string { return "user:" + id.String() }
