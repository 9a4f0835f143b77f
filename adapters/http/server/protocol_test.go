package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keelhq/keel/platform/testkit/rawhttp"
)

// rawExchange sends head over raw TCP (see rawhttp.Exchange).
func rawExchange(t *testing.T, base, head string, extra int) rawhttp.Result {
	t.Helper()
	return rawhttp.Exchange(t, base, head, extra, 10*time.Second)
}

func TestProtocolEdgeOverTCP(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	base := h.listen(t)
	json := "Content-Type: application/json\r\n"
	many := strings.Repeat("X-Many: 1\r\n", 1000)
	tests := []struct {
		name, head string
		extra      int
		status     int
		code, inst string
	}{
		{"100 KB header", "GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 100<<10) + "\r\n\r\n", 0,
			431, "request_header_fields_too_large", "/livez"},
		{"1,000 headers", "GET /livez HTTP/1.1\r\nHost: x\r\n" + many + "\r\n", 0,
			431, "request_header_fields_too_large", "/livez"},
		{"10 KB URL", "GET /livez?q=" + strings.Repeat("a", 10<<10) + " HTTP/1.1\r\nHost: x\r\n\r\n", 0,
			414, "uri_too_long", "/livez"},
		{"20 KB URL", "GET /" + strings.Repeat("a", 20<<10) + " HTTP/1.1\r\nHost: x\r\n\r\n", 0,
			414, "uri_too_long", ""},
		{"CL and TE", "POST /echo HTTP/1.1\r\nHost: x\r\n" + json + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0,
			400, "ambiguous_length", "/echo"},
		{"two lengths", "POST /echo HTTP/1.1\r\nHost: x\r\n" + json + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 0,
			400, "ambiguous_length", "/echo"},
		{"NUL in a value", "GET /livez HTTP/1.1\r\nHost: x\r\nUser-Agent: a\x00b\r\n\r\n", 0,
			400, "invalid_header", "/livez"},
		{"bare LF", "GET /livez HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n", 0,
			400, "invalid_header", "/livez"},
		{"obs-fold", "GET /livez HTTP/1.1\r\nHost: x\r\nX-A: b\r\n c\r\n\r\n", 0,
			400, "invalid_header", "/livez"},
		{"TE identity", "POST /echo HTTP/1.1\r\nHost: x\r\n" + json + "Transfer-Encoding: identity\r\n\r\n{}", 0,
			400, "ambiguous_length", "/echo"},
		{"two TE", "POST /echo HTTP/1.1\r\nHost: x\r\n" + json + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0,
			400, "ambiguous_length", "/echo"},
		{"NUL in the target", "GET /livez\x00 HTTP/1.1\r\nHost: x\r\n\r\n", 0,
			400, "invalid_request_target", ""}, // no instance: the target is not a valid URI
		{"space before colon", "GET /livez HTTP/1.1\r\nHost : x\r\n\r\n", 0,
			400, "invalid_header", "/livez"},
		// A body whose framing breaks leaves the end of the request unknown: what follows
		// (here a pipelined request) must not be answered.
		{"bad chunk size, then a request", "POST /echo HTTP/1.1\r\nHost: x\r\n" + json + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\nGET /livez HTTP/1.1\r\nHost: x\r\n\r\n", 0,
			400, "invalid_body", "/echo"},
		{"chunk longer than declared, then a request", "POST /echo HTTP/1.1\r\nHost: x\r\n" + json + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}XX\r\n0\r\n\r\nGET /livez HTTP/1.1\r\nHost: x\r\n\r\n", 0,
			400, "invalid_body", "/echo"},
		{"missing last chunk, then a request", "POST /echo HTTP/1.1\r\nHost: x\r\n" + json + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nGET /livez HTTP/1.1\r\nHost: x\r\n\r\n", 0,
			400, "invalid_body", "/echo"},
		{"two Hosts", "GET /livez HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 0,
			400, "invalid_header", "/livez"},
		{"no Host in HTTP/1.1", "GET /livez HTTP/1.1\r\nX-A: b\r\n\r\n", 0,
			400, "invalid_header", "/livez"},
		{"HTTP/2.0 in a request line", "GET /livez HTTP/2.0\r\nHost: x\r\n\r\n", 0,
			505, "http_version_not_supported", "/livez"},
		{"multipart to JSON", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 10\r\n\r\n--x--\r\nabc", 0,
			415, "unsupported_media_type", "/echo"},
		{"unknown method", "QZXVBNMLKJH /livez HTTP/1.1\r\nHost: x\r\n\r\n", 0,
			501, "method_not_implemented", "/livez"},
		{"expect over limit", "POST /size HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\nExpect: 100-continue\r\n\r\n", 0,
			413, "payload_too_large", "/size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			closed := tt.status != http.StatusUnsupportedMediaType && tt.status != http.StatusNotImplemented
			rawExchange(t, base, tt.head, tt.extra).WantProblem(t, tt.status, tt.code, tt.inst, closed)
		})
	}
}

// A client still sending a large head reads the answer, not a reset.
func TestOversizeHeadAnswerIsReadable(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	base := h.listen(t)
	for range 5 {
		r := rawExchange(t, base, "GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: ", 512<<10)
		r.WantProblem(t, 431, "request_header_fields_too_large", "/livez", true)
	}
}

// Request heads of 8 KB (long cookies, several bearer headers) are normal.
func TestEightKilobyteHeadAccepted(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	base := h.listen(t)
	head := "GET /livez HTTP/1.1\r\nHost: x\r\nCookie: " + strings.Repeat("c", 5000) + "\r\nAuthorization: Bearer " +
		strings.Repeat("t", 3000) + "\r\n\r\n"
	if r := rawExchange(t, base, head, 0); r.Res.StatusCode != http.StatusOK {
		t.Fatalf("8 KB head: %d %s", r.Res.StatusCode, r.Body)
	}
	h2 := newHarness(t, map[string]string{"HTTP_MAX_HEADER_BYTES": "65536"})
	base2 := h2.listen(t)
	head = "GET /livez HTTP/1.1\r\nHost: x\r\nCookie: " + strings.Repeat("c", 40000) + "\r\n\r\n"
	if r := rawExchange(t, base2, head, 0); r.Res.StatusCode != http.StatusOK {
		t.Fatalf("40 KB head with HTTP_MAX_HEADER_BYTES=65536: %d %s", r.Res.StatusCode, r.Body)
	}
}

// Routes match one spelling only: another case or a trailing slash is another (unknown)
// route.
func TestRoutingIsCaseSensitive(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	for _, target := range []string{"/LIVEZ", "/Livez", "/ITEMS/1", "/livez/"} {
		if r := h.get(t, target); r.Status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", target, r.Status)
		}
	}
	if r := h.get(t, "/livez"); r.Status != http.StatusOK {
		t.Errorf("/livez: %d", r.Status)
	}
}

// A refused head's bytes (which may carry a bearer token) never reach the log.
func TestRefusedHeadNotLogged(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	base := h.listen(t)
	const secret = "Bearer secret-token-4f1c"
	head := "GET /livez HTTP/1.1\r\nAuthorization: " + secret + "\r\nX-Big: " + strings.Repeat("a", 20<<10) + "\r\n\r\n"
	rawExchange(t, base, head, 0).WantProblem(t, 431, "request_header_fields_too_large", "/livez", true)
	head = "GET /livez HTTP/1.1\r\nAuthorization: " + secret + "\r\nBad Name: x\r\n\r\n"
	rawExchange(t, base, head, 0)
	if strings.Contains(h.logs.String(), "secret-token") {
		t.Errorf("the log holds the refused head's bytes:\n%s", h.logs.String())
	}
	if len(h.logs.lines(t, "http request refused by the server")) == 0 {
		t.Error("refusals not logged")
	}
}

// HTTP/1.0 has no Host requirement: such a request is still served.
func TestHTTP10WithoutHostServed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	r := rawExchange(t, h.listen(t), "GET /livez HTTP/1.0\r\n\r\n", 0)
	if r.Res.StatusCode != http.StatusOK {
		t.Errorf("HTTP/1.0 without Host: %d %s", r.Res.StatusCode, r.Body)
	}
}

// A bare line feed ending the request line itself is accepted, as RFC 9112 allows (a bare
// line feed in the header lines is refused: see TestProtocolEdgeOverTCP).
func TestBareLFAfterRequestLineServed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	r := rawExchange(t, h.listen(t), "GET /livez HTTP/1.1\nHost: x\r\n\r\n", 0)
	if r.Res.StatusCode != http.StatusOK {
		t.Errorf("request line ended by a bare LF: %d %s", r.Res.StatusCode, r.Body)
	}
}
