package e2e_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestProtocolUnknownMethodsBounded: 100,000 distinct made-up methods, pipelined on four
// connections against the real api, each get a 501 problem; /metrics stays under 1 MB
// (one "OTHER" label, not a series per method) and the api's RSS within 20 MB of where it
// was; and none of them is logged as an error (the stack logs at warn here).
func TestProtocolUnknownMethodsBounded(t *testing.T) {
	t.Parallel()
	const conns, perConn = 4, 25_000
	s := newStack(t, "LOG_LEVEL=warn")
	api := s.start("api")
	// Warm up the paths the flood takes, then measure.
	pipeline(t, api.URL, 200, func(i int) string { return fmt.Sprintf("WARM%d /livez HTTP/1.1\r\nHost: x\r\n\r\n", i) })
	before := int(idProcStatus(t, api.PID(), "VmRSS"))
	start := time.Now()
	var wg sync.WaitGroup
	counts := make([]map[int]int, conns)
	for c := range conns {
		wg.Go(func() {
			counts[c] = map[int]int{}
			for _, st := range pipeline(t, api.URL, perConn, func(i int) string {
				return fmt.Sprintf("Q%dX%06dZ /livez HTTP/1.1\r\nHost: x\r\n\r\n", c, i)
			}) {
				counts[c][st]++
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	for c, m := range counts {
		if m[http.StatusNotImplemented] != perConn {
			t.Errorf("connection %d: statuses %v, want %d × 501", c, m, perConn)
		}
	}
	after := int(idProcStatus(t, api.PID(), "VmRSS"))
	metrics := do(t, http.MethodGet, api.URL+"/metrics", nil)
	t.Logf("%d unknown methods in %s; RSS %d -> %d KiB (%+d KiB); /metrics %d bytes",
		conns*perConn, took.Round(time.Millisecond), before, after, after-before, len(metrics.Body))
	if len(metrics.Body) >= 1<<20 {
		t.Errorf("/metrics is %d bytes after the flood, want < 1 MB", len(metrics.Body))
	}
	if !strings.Contains(string(metrics.Body), `http_requests_total{method="OTHER",route="unmatched",status="501"} 100200`) {
		t.Errorf("flood (and warm-up) not counted as 100200 under OTHER")
	}
	if after-before > 20<<10 {
		t.Errorf("RSS grew by %d KiB, want within 20 MB", after-before)
	}
	if out := api.Output(); strings.Contains(out, `"level":"ERROR"`) {
		t.Errorf("unknown methods logged as errors:\n%.2000s", out)
	}
}

// TestProtocolEdgeAgainstAPI: what the HTTP server refuses before Keel's middleware, and
// what a proxy could read differently (CL+TE, NUL, bare LF, folded lines), is answered
// with the response contract, over raw TCP to the real api.
func TestProtocolEdgeAgainstAPI(t *testing.T) {
	t.Parallel()
	s := newStack(t, idGenerousLimits...)
	api := s.start("api")
	jsonCT := "Content-Type: application/json\r\n"
	body := `{"email":"x@example.com","password":"p"}`
	dup := `{"email":"a",` + body[1:]
	tests := []struct {
		name, head string
		extra      int
		status     int
		code, inst string
		closed     bool
	}{
		{"100 KB header", "GET /v1/auth/me HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 100<<10) + "\r\n\r\n", 0,
			431, "request_header_fields_too_large", "/v1/auth/me", true},
		{"still sending 1 MB of head", "GET /v1/auth/me HTTP/1.1\r\nHost: x\r\nX-Big: ", 1 << 20,
			431, "request_header_fields_too_large", "/v1/auth/me", true},
		{"1,000 headers", "GET /v1/auth/me HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-Many: 1\r\n", 1000) + "\r\n", 0,
			431, "request_header_fields_too_large", "/v1/auth/me", true},
		{"10 KB URL", "GET /v1/users?q=" + strings.Repeat("a", 10<<10) + " HTTP/1.1\r\nHost: x\r\n\r\n", 0,
			414, "uri_too_long", "/v1/users", true},
		{"CL and TE", "POST /v1/auth/login HTTP/1.1\r\nHost: x\r\n" + jsonCT + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0,
			400, "ambiguous_length", "/v1/auth/login", true},
		{"Transfer-Encoding not chunked", "POST /v1/auth/login HTTP/1.1\r\nHost: x\r\n" + jsonCT + "Transfer-Encoding: identity\r\n\r\n{}", 0,
			400, "ambiguous_length", "/v1/auth/login", true},
		{"NUL in the target", "GET /v1/users?q=a\x00b HTTP/1.1\r\nHost: x\r\n\r\n", 0,
			400, "invalid_request_target", "", true},
		{"NUL in a header value", "GET /v1/auth/me HTTP/1.1\r\nHost: x\r\nUser-Agent: a\x00b\r\n\r\n", 0,
			400, "invalid_header", "/v1/auth/me", true},
		{"bare LF", "GET /v1/auth/me HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n", 0,
			400, "invalid_header", "/v1/auth/me", true},
		{"obs-fold", "GET /v1/auth/me HTTP/1.1\r\nHost: x\r\nX-A: b\r\n\tc\r\n\r\n", 0,
			400, "invalid_header", "/v1/auth/me", true},
		{"multipart to a JSON route", "POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=x\r\n" +
			"Content-Length: 8\r\n\r\n--x--\r\n\r\n", 0, 415, "unsupported_media_type", "/v1/auth/login", false},
		{"text/plain to a JSON route", fmt.Sprintf("POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", len(body), body), 0,
			415, "unsupported_media_type", "/v1/auth/login", false},
		{"form to a JSON route", "POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\na=b", 0,
			415, "unsupported_media_type", "/v1/auth/login", false},
		{"duplicate JSON key", fmt.Sprintf("POST /v1/auth/login HTTP/1.1\r\nHost: x\r\n%sContent-Length: %d\r\n\r\n%s", jsonCT,
			len(dup), dup), 0, 400, "duplicate_field", "/v1/auth/login", false},
		{"upper-case route", "GET /V1/USERS/ME HTTP/1.1\r\nHost: x\r\n\r\n", 0, 404, "not_found", "/V1/USERS/ME", false},
		{"unknown method", "BREW /v1/auth/me HTTP/1.1\r\nHost: x\r\n\r\n", 0, 501, "method_not_implemented", "/v1/auth/me", false},
		{"Expect over the body limit", "POST /v1/auth/login HTTP/1.1\r\nHost: x\r\n" + jsonCT + "Content-Length: 99999999\r\nExpect: 100-continue\r\n\r\n", 0,
			413, "payload_too_large", "/v1/auth/login", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rawDo(t, api.URL, tt.head, tt.extra).WantProblem(t, tt.status, tt.code, tt.inst, tt.closed)
		})
	}
	t.Run("8 KB head accepted", func(t *testing.T) {
		t.Parallel()
		head := "GET /livez HTTP/1.1\r\nHost: x\r\nCookie: " + strings.Repeat("c", 4000) +
			"\r\nAuthorization: Bearer " + strings.Repeat("t", 2000) + "\r\nX-Trace: " + strings.Repeat("t", 2000) + "\r\n\r\n"
		if a := rawDo(t, api.URL, head, 0); a.Res.StatusCode != http.StatusOK {
			t.Fatalf("a %d-byte head: %d %s", len(head), a.Res.StatusCode, a.Body)
		}
	})
}

// TestForwardedForCannotDodgePerIPLimit: behind a trusted proxy the per-IP limit keys on
// the right-most untrusted X-Forwarded-For address, so a client varying what it puts in
// front of the proxy's entry, or sending garbage, is still one client.
func TestForwardedForCannotDodgePerIPLimit(t *testing.T) {
	t.Parallel()
	s := newStack(t, "RATE_LIMIT_PER_IP=1", "RATE_LIMIT_PER_IP_BURST=3", "HTTP_TRUSTED_PROXIES=127.0.0.1")
	api := s.start("api")
	for _, tc := range []struct {
		name string
		xff  func(i int) string
	}{
		{"spoofed entries before the proxy's", func(i int) string { return fmt.Sprintf("10.9.%d.%d, 203.0.113.7", i/250, i%250) }},
		{"garbage", func(i int) string { return fmt.Sprintf("not-an-ip-%d", i) }},
	} {
		passed := 0
		for i := range 10 {
			r := do(t, http.MethodGet, api.URL+"/v1/auth/me", nil, "X-Forwarded-For", tc.xff(i))
			if r.Status != http.StatusTooManyRequests {
				passed++
			}
		}
		if passed > 3 {
			t.Errorf("%s: %d of 10 requests passed a per-IP burst of 3", tc.name, passed)
		}
	}
	// A different real client behind the proxy has a budget of its own.
	if r := do(t, http.MethodGet, api.URL+"/v1/auth/me", nil, "X-Forwarded-For", "198.51.100.1"); r.Status != http.StatusUnauthorized {
		t.Errorf("another client: %d", r.Status)
	}
}
