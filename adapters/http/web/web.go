// Package web is the HTTP toolkit shared by every context's routes: the request's
// localizer and id, strict JSON decoding, and the single error handler that turns errors
// into RFC 9457 problem details.
package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/keelhq/keel/platform/i18n"
)

// Keys of values stored in a request's locals.
const (
	localsRequestID    = "keel.requestID"
	localsLocalizer    = "keel.localizer"
	localsLangExplicit = "keel.langExplicit"
	// UnknownMethodKey is the request user value under which the server's edge records
	// that the method was one Fiber does not know, as the bounded label "OTHER" (an
	// attacker can make up any number of methods; each label value is a metric series).
	UnknownMethodKey = "keel.unknownMethod"
	// RejectKey is the request user value under which the server's edge records a
	// *Error for a request it refuses before routing (a malformed or oversize head).
	RejectKey = "keel.reject"
)

// RequestID returns the request's id (set by the request-id middleware).
func RequestID(c *fiber.Ctx) string {
	id, _ := c.Locals(localsRequestID).(string)
	return id
}

// SetRequestID records the request's id.
func SetRequestID(c *fiber.Ctx, id string) { c.Locals(localsRequestID, id) }

// Localizer returns the localizer negotiated for the request.
func Localizer(c *fiber.Ctx) *i18n.Localizer {
	l, _ := c.Locals(localsLocalizer).(*i18n.Localizer)
	return l
}

// SetLocalizer records the negotiated language; explicit means the client asked for it
// (?lang= or Accept-Language), so a signed-in user's stored locale must not override it.
func SetLocalizer(c *fiber.Ctx, l *i18n.Localizer, explicit bool) {
	c.Locals(localsLocalizer, l)
	c.Locals(localsLangExplicit, explicit)
	c.Set(fiber.HeaderContentLanguage, l.Lang())
}

// LangExplicit reports whether the client chose the language itself.
func LangExplicit(c *fiber.Ctx) bool {
	b, _ := c.Locals(localsLangExplicit).(bool)
	return b
}

// UnknownMethod returns the label recorded for a request whose method Fiber does not
// know ("OTHER"), if any.
func UnknownMethod(c *fiber.Ctx) (string, bool) {
	m, ok := c.Locals(UnknownMethodKey).(string)
	return m, ok
}
