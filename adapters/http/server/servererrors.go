package server

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"unsafe"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/valyala/fasthttp"

	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/platform/i18n"
)

// serverErrors answers what fasthttp itself refuses while reading a request (a head over
// HTTP_MAX_HEADER_BYTES, a malformed head, a body it cannot read) with the same contract
// as every other error: problem+json with a specific code, an X-Request-Id equal to the
// problem's requestId, and the request's path as instance when the request line was read.
// fasthttp then closes the connection (after the listener's lingering close lets the
// client read the answer).
type serverErrors struct {
	app    *fiber.App
	eh     *web.ErrorHandler
	bundle *i18n.Bundle
	log    *slog.Logger
	m      *httpMetrics
	limit  int
}

// handle is a fasthttp.Server ErrorHandler.
func (s *serverErrors) handle(fctx *fasthttp.RequestCtx, err error) {
	c := s.app.AcquireCtx(fctx)
	defer s.app.ReleaseCtx(c)
	werr, instance := s.classify(fctx, err)
	id := uuid.Must(uuid.NewV7()).String()
	web.SetRequestID(c, id)
	c.Set(HeaderRequestID, id)
	loc := s.bundle.Localizer("en")
	web.SetLocalizer(c, loc, false)
	p := s.eh.Problem(loc, werr)
	p.Instance = instance
	p.RequestID = id
	c.Set(fiber.HeaderConnection, "close")
	if err := web.Write(c, p, 0); err != nil {
		c.Status(http.StatusInternalServerError)
	}
	s.m.observe("OTHER", "unmatched", werr.Status, 0)
	s.log.Info("http request refused by the server",
		slog.String("request_id", id), slog.Int("status", werr.Status), slog.String("code", werr.Code),
		slog.String("ip", fctx.RemoteIP().String()), slog.String("error", withoutContents(err)))
}

// withoutContents is fasthttp's error message without the request bytes it quotes, which
// may hold a bearer token or a cookie.
func withoutContents(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ". Buffer size="); i >= 0 {
		msg = msg[:i]
	}
	return truncate(msg, 200)
}

// classify maps a fasthttp read error to a transport error and the problem's instance.
func (s *serverErrors) classify(fctx *fasthttp.RequestCtx, err error) (*web.Error, string) {
	instance := ""
	if len(fctx.Request.Header.RequestURI()) > 0 {
		instance = string(fctx.Path())
	}
	var small *fasthttp.ErrSmallBuffer
	var netErr net.Error
	switch {
	case errors.As(err, &small):
		path, complete := requestLinePath(headSnippet(err))
		if !complete {
			// The head overflowed before its first line ended: the target itself is too long.
			return web.NewError(http.StatusRequestURITooLong, "uri_too_long"), ""
		}
		return web.NewError(http.StatusRequestHeaderFieldsTooLarge, "request_header_fields_too_large"), path
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		return &web.Error{Status: http.StatusRequestEntityTooLarge, Code: "payload_too_large",
			Data: map[string]any{"Limit": humanBytes(s.limit)}}, instance
	case errors.As(err, &netErr) && netErr.Timeout():
		return web.NewError(http.StatusRequestTimeout, "request_timeout"), instance
	}
	if path, _ := requestLinePath(headSnippet(err)); path != "" {
		instance = path
	}
	switch msg := err.Error(); {
	case strings.Contains(msg, "duplicate Content-Length"):
		return web.NewError(http.StatusBadRequest, "ambiguous_length"), instance
	case strings.Contains(msg, "invalid header"):
		return web.NewError(http.StatusBadRequest, "invalid_header"), instance
	}
	return web.NewError(http.StatusBadRequest, "bad_request"), instance
}

// headSnippet recovers the start of the request head that fasthttp quotes in its error
// message ("... contents: \"GET /x HTTP/1.1\\r\\n...\"...").
func headSnippet(err error) []byte {
	msg := err.Error()
	i := strings.Index(msg, "contents: ")
	if i < 0 {
		return nil
	}
	quoted, qerr := strconv.QuotedPrefix(msg[i+len("contents: "):])
	if qerr != nil {
		return nil
	}
	s, qerr := strconv.Unquote(quoted)
	if qerr != nil {
		return nil
	}
	return []byte(s)
}

// requestLinePath returns the path of the request line at the start of head, and whether
// that line is complete there.
func requestLinePath(head []byte) (string, bool) {
	line, _, complete := bytes.Cut(head, []byte("\n"))
	fields := bytes.Fields(line)
	if !complete || len(fields) < 2 || !bytes.HasPrefix(fields[1], []byte("/")) {
		return "", complete
	}
	path, _, _ := bytes.Cut(fields[1], []byte("?"))
	return string(path), true
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// headerIsCtx reports whether a request header's address is its RequestCtx's: fasthttp
// lays out RequestCtx.Request.Header first, and its ContinueHandler is given only the
// header. Checked once, so a fasthttp that changes the layout only loses the early 413.
var headerIsCtx = func() bool {
	var ctx fasthttp.RequestCtx
	return unsafe.Pointer(&ctx) == unsafe.Pointer(&ctx.Request.Header)
}()

// continueGuard is the server's ContinueHandler: a request with Expect: 100-continue whose
// declared Content-Length is over the body limit is answered 413 at once, through the
// whole middleware chain, instead of being invited to send a body that would be refused.
// It marks the request before the edge sees it, which tells the edge to time the request
// itself (fasthttp has not stamped it yet).
func continueGuard(handler fasthttp.RequestHandler, limit int) func(*fasthttp.RequestHeader) bool {
	return func(h *fasthttp.RequestHeader) bool {
		if h.ContentLength() <= limit || !headerIsCtx {
			return true
		}
		ctx := (*fasthttp.RequestCtx)(unsafe.Pointer(h))
		ctx.SetUserValue(web.RejectKey, &web.Error{Status: http.StatusRequestEntityTooLarge,
			Code: "payload_too_large", Data: map[string]any{"Limit": humanBytes(limit)}})
		handler(ctx)
		// fasthttp sends a refused request a bare 417; a "timeout response" replaces it.
		ctx.TimeoutErrorWithResponse(&ctx.Response)
		return false
	}
}
