// Package web is the HTTP toolkit shared by every context's routes: the request's
// localizer and id, strict JSON decoding, and the single error handler that turns errors
// into RFC 9457 problem details.
package web

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/keelhq/keel/platform/i18n"
)

// Keys of values stored in a request's user values.
const (
	stateKey = "keel.request"
	// UnknownMethodKey is the request user value under which the server's edge records
	// that the method was one Fiber does not know, as the bounded label "OTHER" (an
	// attacker can make up any number of methods; each label value is a metric series).
	UnknownMethodKey = "keel.unknownMethod"
	// RejectKey is the request user value under which the server's edge records a
	// *Error for a request it refuses before routing (a malformed or oversize head).
	RejectKey = "keel.reject"
)

// state is what the server's edge and middleware learn about a request, kept in one
// value so that a request costs one allocation for all of it.
type state struct {
	start        time.Time
	clientIP     string
	https        bool
	requestID    string
	localizer    *i18n.Localizer
	langExplicit bool
}

// Begin records, before routing, when the server took the request, the client's address
// and whether it reached us over HTTPS, as the server's edge settled them from the peer
// and trusted proxies.
func Begin(ctx *fasthttp.RequestCtx, start time.Time, clientIP string, https bool) {
	ctx.SetUserValue(stateKey, &state{start: start, clientIP: clientIP, https: https})
}

// stateOf returns the request's state. A request that did not pass the edge (a handler
// under test) gets one made from Fiber's view of it.
func stateOf(c *fiber.Ctx) *state {
	if s, ok := c.Context().UserValue(stateKey).(*state); ok {
		return s
	}
	s := &state{start: c.Context().Time(), clientIP: c.IP(), https: c.Protocol() == "https"}
	c.Context().SetUserValue(stateKey, s)
	return s
}

// Started returns when the server took the request from its connection, for its id and
// its duration.
func Started(c *fiber.Ctx) time.Time { return stateOf(c).start }

// ClientIP returns the client's address: the peer's, or the one trusted proxies
// forwarded (HTTP_TRUSTED_PROXIES). It stays valid after the request.
func ClientIP(c *fiber.Ctx) string { return stateOf(c).clientIP }

// HTTPS reports whether the client reached us over HTTPS (directly, or through a trusted
// proxy that says so).
func HTTPS(c *fiber.Ctx) bool { return stateOf(c).https }

// RequestID returns the request's id (set by the request-id middleware).
func RequestID(c *fiber.Ctx) string { return stateOf(c).requestID }

// SetRequestID records the request's id.
func SetRequestID(c *fiber.Ctx, id string) { stateOf(c).requestID = id }

// Localizer returns the localizer negotiated for the request.
func Localizer(c *fiber.Ctx) *i18n.Localizer { return stateOf(c).localizer }

// SetLocalizer records the negotiated language; explicit means the client asked for it
// (?lang= or Accept-Language), so a signed-in user's stored locale must not override it.
func SetLocalizer(c *fiber.Ctx, l *i18n.Localizer, explicit bool) {
	s := stateOf(c)
	s.localizer, s.langExplicit = l, explicit
	c.Set(fiber.HeaderContentLanguage, l.Lang())
}

// LangExplicit reports whether the client chose the language itself.
func LangExplicit(c *fiber.Ctx) bool { return stateOf(c).langExplicit }

// UnknownMethod returns the label recorded for a request whose method Fiber does not
// know ("OTHER"), if any.
func UnknownMethod(c *fiber.Ctx) (string, bool) {
	m, ok := c.Locals(UnknownMethodKey).(string)
	return m, ok
}
