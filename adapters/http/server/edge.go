package server

import (
	"bytes"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/keelhq/keel/adapters/http/web"
)

// Limits of a request head that fasthttp does not enforce itself.
const (
	// maxURIBytes bounds the request target (RFC 9110 asks for at least 8000 octets).
	maxURIBytes = 8192
	// maxHeaderCount bounds the number of header lines.
	maxHeaderCount = 100
)

// knownMethods are the methods Fiber routes, each mapped to Fiber's own constant (a string
// that outlives the request); anything else is answered 501 and counted under the metric
// label "OTHER".
var knownMethods = func() map[string]string {
	known := make(map[string]string, len(fiber.DefaultMethods))
	for _, m := range fiber.DefaultMethods {
		known[m] = m
	}
	return known
}()

// requestMethod is the request's method as a string that outlives the request (Fiber's
// Method() aliases fasthttp's request buffer, which the connection's next request
// overwrites: kept in a metric label or a span it turned "POST" into "GETT"): one of the
// methods Fiber routes, or "OTHER" for any other (every distinct value of a metric label
// is a series kept for the life of the process).
func requestMethod(c *fiber.Ctx) string {
	if um, ok := web.UnknownMethod(c); ok {
		return um
	}
	if known, ok := knownMethods[c.Method()]; ok {
		return known
	}
	return "OTHER"
}

// edge inspects every request fasthttp has parsed, before Fiber routes it: what the HTTP
// server accepts but Keel must refuse (an unknown method, an over-long target, too many
// headers, control characters, bare line feeds or folded lines in the head, a length
// given twice) is recorded on the request and answered by the reject middleware, after
// request id, language and logging have run, with the connection closed. It also settles
// the client address from X-Forwarded-For when the peer is a trusted proxy.
type edge struct {
	proxies *proxies
}

// wrap installs the inspection in front of the server's handler.
func (e *edge) wrap(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		start := ctx.Time()
		if _, marked := ctx.UserValue(web.RejectKey).(*web.Error); !marked {
			if werr := inspect(ctx); werr != nil {
				ctx.SetUserValue(web.RejectKey, werr)
			}
		} else {
			// Marked already: continueGuard refuses the body of an Expect: 100-continue
			// request before fasthttp stamps the request's time (ctx.Time() is then zero,
			// or the connection's previous request's).
			start = time.Now()
		}
		if _, known := knownMethods[string(ctx.Method())]; !known {
			ctx.SetUserValue(web.UnknownMethodKey, "OTHER")
			ctx.Request.Header.SetMethod(fiber.MethodGet)
		}
		client, https := e.proxies.settle(ctx)
		web.Begin(ctx, start, client, https)
		next(ctx)
	}
}

// inspect returns the refusal a request head deserves, or nil.
func inspect(ctx *fasthttp.RequestCtx) *web.Error {
	h := &ctx.Request.Header
	uri := h.RequestURI()
	if len(uri) > maxURIBytes {
		return web.NewError(http.StatusRequestURITooLong, "uri_too_long")
	}
	for _, b := range uri {
		if b <= ' ' || b == 0x7f {
			return web.NewError(http.StatusBadRequest, "invalid_request_target") // NUL, controls, spaces
		}
	}
	if _, known := knownMethods[string(ctx.Method())]; !known {
		return web.NewError(http.StatusNotImplemented, "method_not_implemented")
	}
	if proto := string(h.Protocol()); proto != "HTTP/1.1" && proto != "HTTP/1.0" {
		return web.NewError(http.StatusHTTPVersionNotSupported, "http_version_not_supported")
	}
	hosts, werr := inspectRaw(h.RawHeaders())
	if werr == nil && (hosts > 1 || (hosts == 0 && h.IsHTTP11())) {
		// RFC 9112 section 3.2: an HTTP/1.1 request has exactly one Host, any request at
		// most one; a proxy and Keel could otherwise disagree about the target.
		werr = web.NewError(http.StatusBadRequest, "invalid_header")
	}
	return werr
}

// inspectRaw checks the header lines as they came off the wire (fasthttp keeps them):
// every line ends in CRLF, no line is folded, no value carries a control character, at
// most maxHeaderCount lines, and not both Content-Length and Transfer-Encoding (RFC 9112
// section 6.3: a request smuggling vector behind a proxy), nor two Content-Lengths, nor a
// Transfer-Encoding other than exactly "chunked".
//
// It also returns how many Host lines the head has.
func inspectRaw(raw []byte) (hosts int, werr *web.Error) {
	var lines, lengths, encodings int
	chunked := true
	for len(raw) > 0 {
		i := bytes.IndexByte(raw, '\n')
		if i < 0 {
			return hosts, web.NewError(http.StatusBadRequest, "invalid_header")
		}
		if i == 0 || raw[i-1] != '\r' {
			return hosts, web.NewError(http.StatusBadRequest, "invalid_header") // a bare LF
		}
		line := raw[:i-1]
		raw = raw[i+1:]
		if len(line) == 0 {
			break // the empty line that ends the head
		}
		if line[0] == ' ' || line[0] == '\t' {
			return hosts, web.NewError(http.StatusBadRequest, "invalid_header") // obs-fold
		}
		for _, b := range line {
			if (b < 0x20 && b != '\t') || b == 0x7f {
				return hosts, web.NewError(http.StatusBadRequest, "invalid_header")
			}
		}
		if lines++; lines > maxHeaderCount {
			return hosts, web.NewError(http.StatusRequestHeaderFieldsTooLarge, "request_header_fields_too_large")
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		switch {
		case bytes.EqualFold(bytes.TrimSpace(name), []byte(fiber.HeaderHost)):
			hosts++
		case bytes.EqualFold(bytes.TrimSpace(name), []byte(fiber.HeaderContentLength)):
			lengths++
		case bytes.EqualFold(bytes.TrimSpace(name), []byte(fiber.HeaderTransferEncoding)):
			encodings++
			chunked = chunked && bytes.EqualFold(bytes.TrimSpace(value), []byte("chunked"))
		}
	}
	if (lengths > 0 && encodings > 0) || lengths > 1 || encodings > 1 || !chunked {
		return hosts, web.NewError(http.StatusBadRequest, "ambiguous_length")
	}
	return hosts, nil
}

// reject answers a request the edge marked, with the connection closed: after such a
// head nothing more read from the connection can be trusted to be a request. A well-formed
// request with a method Keel does not implement keeps its connection (its framing is
// clear), so a client pipelining many of them costs one connection, not many.
func reject(c *fiber.Ctx) error {
	if werr, ok := c.Context().UserValue(web.RejectKey).(*web.Error); ok {
		if werr.Status != http.StatusNotImplemented || len(c.Request().Header.Peek(fiber.HeaderTransferEncoding)) > 0 ||
			c.Request().Header.ContentLength() != 0 {
			c.Set(fiber.HeaderConnection, "close")
		}
		return werr
	}
	return c.Next()
}
