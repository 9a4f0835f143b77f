package server_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/http/server"
)

var saneID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func TestRequestID(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	long := strings.Repeat("a", 64)
	tests := []struct {
		name, sent string
		echoed     bool
	}{
		{"absent", "", false},
		{"sane", "abc-123.DEF_456", true},
		{"64 characters", long, true},
		{"65 characters", long + "b", false},
		{"space", "abc 123", false},
		{"markup", "<script>", false},
		{"slash", "a/b", false},
		{"non-ascii", "ünïcode", false},
		{"crlf-looking", "a%0d%0aSet-Cookie:x", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, target := range []string{"/livez", "/does-not-exist"} {
				var r response
				if tt.sent == "" {
					r = h.get(t, target)
				} else {
					r = h.get(t, target, server.HeaderRequestID, tt.sent)
				}
				got := r.Header.Get(server.HeaderRequestID)
				if tt.echoed && got != tt.sent {
					t.Errorf("%s: X-Request-Id = %q, want echo of %q", target, got, tt.sent)
				}
				if !tt.echoed {
					if got == tt.sent || !saneID.MatchString(got) {
						t.Errorf("%s: X-Request-Id = %q for %q, want a fresh sane id", target, got, tt.sent)
					}
					u, err := uuid.Parse(got)
					if err != nil || u.Version() != 7 || u.Variant() != uuid.RFC4122 {
						t.Errorf("%s: generated id %q is not a UUIDv7 (%v)", target, got, err)
					} else if sec, _ := u.Time().UnixTime(); time.Since(time.Unix(sec, 0)).Abs() > time.Minute {
						t.Errorf("%s: generated id %q does not carry the time of the request", target, got)
					}
				}
				if target == "/does-not-exist" {
					r.problem(t, http.StatusNotFound, "not_found") // requestId == header
				}
			}
		})
	}
}

func TestRequestIDsAreUnique(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	seen := map[string]bool{}
	for range 50 {
		id := h.get(t, "/livez").Header.Get(server.HeaderRequestID)
		if seen[id] {
			t.Fatalf("id %s repeated", id)
		}
		seen[id] = true
	}
}

func TestNotFoundLanguages(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	tests := []struct {
		name, target, acceptLanguage string
		lang, title                  string
	}{
		{"default english", "/nope", "", "en", "Not found"},
		{"accept german", "/nope", "de-DE,de;q=0.9,en;q=0.5", "de", "Nicht gefunden"},
		{"accept spanish", "/nope", "es", "es", "No encontrado"},
		{"unsupported accept falls back", "/nope", "fr-FR, ja", "en", "Not found"},
		{"query lang", "/nope?lang=es", "", "es", "No encontrado"},
		{"query lang wins over accept", "/nope?lang=es", "de", "es", "No encontrado"},
		{"query german wins over spanish", "/nope?lang=de", "es;q=1.0", "de", "Nicht gefunden"},
		{"unknown query lang then accept", "/nope?lang=xx", "de", "de", "Nicht gefunden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var r response
			if tt.acceptLanguage == "" {
				r = h.get(t, tt.target)
			} else {
				r = h.get(t, tt.target, "Accept-Language", tt.acceptLanguage)
			}
			p := r.problem(t, http.StatusNotFound, "not_found")
			if p["title"] != tt.title {
				t.Errorf("title = %v, want %q", p["title"], tt.title)
			}
			if got := r.Header.Get("Content-Language"); got != tt.lang {
				t.Errorf("Content-Language = %q, want %q", got, tt.lang)
			}
			if p["instance"] != "/nope" {
				t.Errorf("instance = %v, want the path without the query", p["instance"])
			}
			if p["type"] != "/docs/problems#not-found" {
				t.Errorf("type = %v", p["type"])
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	tests := []struct {
		name, contentType, body string
		status                  int
		code                    string
	}{
		{"unknown field", "application/json", `{"name":"a","admin":true}`, 400, "unknown_field"},
		{"malformed", "application/json", `{"name":`, 400, "invalid_json"},
		{"not an object", "application/json", `[1,2]`, 400, "invalid_json"},
		{"trailing data", "application/json", `{"name":"a"} {"name":"b"}`, 400, "invalid_json"},
		{"wrong type", "application/json", `{"age":"old"}`, 400, "validation_failed"},
		{"text/plain", "text/plain", `{"name":"a"}`, 415, "unsupported_media_type"},
		{"form", "application/x-www-form-urlencoded", `name=a`, 415, "unsupported_media_type"},
		{"no content type", "", `{"name":"a"}`, 415, "unsupported_media_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := h.post(t, "/echo", tt.contentType, tt.body).problem(t, tt.status, tt.code)
			switch tt.code {
			case "unknown_field":
				if d, _ := p["detail"].(string); !strings.Contains(d, `"admin"`) {
					t.Errorf("detail %q does not name the field", d)
				}
			case "validation_failed":
				errs, _ := p["errors"].([]any)
				if len(errs) != 1 || errs[0].(map[string]any)["field"] != "age" {
					t.Errorf("errors = %v, want one for age", p["errors"])
				}
			}
		})
	}
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "application/merge-patch+json"} {
		if r := h.post(t, "/echo", ct, `{"name":"a","age":3}`); r.Status != 200 || string(r.Body) != `{"name":"a","age":3}` {
			t.Errorf("%s: %d %s", ct, r.Status, r.Body)
		}
	}
	// An empty body is {}: validation, not parsing, reports missing fields.
	if r := h.post(t, "/echo", "", ""); r.Status != 200 {
		t.Errorf("empty body: %d %s", r.Status, r.Body)
	}
}

func TestPanicIsA500WithoutDetail(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	r := h.get(t, "/boom")
	r.problem(t, http.StatusInternalServerError, "internal_error")
	if strings.Contains(string(r.Body), "secret") || strings.Contains(string(r.Body), "goroutine") {
		t.Fatalf("body reveals the panic: %s", r.Body)
	}
	id := r.Header.Get(server.HeaderRequestID)
	panics := h.logs.lines(t, "panic")
	if len(panics) != 1 {
		t.Fatalf("%d panic log lines:\n%s", len(panics), h.logs)
	}
	if panics[0]["panic"] != secretPanic || panics[0]["request_id"] != id {
		t.Errorf("panic line %v lacks the panic text or request id %s", panics[0], id)
	}
	if s, _ := panics[0]["stack"].(string); !strings.Contains(s, "goroutine") {
		t.Errorf("panic line has no stack")
	}
	// The access log records the 500 the client got.
	if !hasAccessLine(t, h, "/boom", 500, id) {
		t.Errorf("no access log line with status 500:\n%s", h.logs)
	}
	// The server keeps serving.
	if r := h.get(t, "/livez"); r.Status != 200 {
		t.Fatalf("after a panic: %d", r.Status)
	}
}

func hasAccessLine(t *testing.T, h *harness, path string, status int, id string) bool {
	for _, l := range h.logs.lines(t, "http request") {
		if l["path"] == path && l["status"] == float64(status) && l["request_id"] == id {
			return true
		}
	}
	return false
}

func TestRawErrorIsA500WithoutDetail(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	r := h.get(t, "/raw", "Accept-Language", "es")
	p := r.problem(t, http.StatusInternalServerError, "internal_error")
	for _, leak := range []string{"pq", "secret", "SQL", "password_hash", "SELECT"} {
		if strings.Contains(string(r.Body), leak) {
			t.Errorf("body contains %q: %s", leak, r.Body)
		}
	}
	if p["title"] == "Internal server error" {
		t.Errorf("title not localized: %v", p["title"])
	}
	found := false
	for _, l := range h.logs.lines(t, "request failed") {
		if l["error"] == secretError && l["request_id"] == r.Header.Get(server.HeaderRequestID) {
			found = true
		}
	}
	if !found {
		t.Errorf("no log line with the error and request id:\n%s", h.logs)
	}
}

func TestUnknownMethodInProcess(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	r := h.test(t, httptest.NewRequest("FOO", "/livez", nil))
	r.problem(t, http.StatusNotImplemented, "method_not_implemented")
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	want := map[string]string{
		"X-Content-Type-Options":     "nosniff",
		"X-Frame-Options":            "DENY",
		"Referrer-Policy":            "no-referrer",
		"Cache-Control":              "no-store",
		"Cross-Origin-Opener-Policy": "same-origin",
	}
	for _, target := range []string{"/livez", "/nope", "/boom"} {
		r := h.get(t, target)
		for k, v := range want {
			if got := r.Header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", target, k, got, v)
			}
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("%s: CSP = %q", target, csp)
		}
		if r.Header.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS on plain http", target)
		}
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil) // development origins: http://localhost:*, http://127.0.0.1:*
	preflight := func(origin string) response {
		req := httptest.NewRequest(http.MethodOptions, "/echo", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type, authorization")
		return h.test(t, req)
	}
	for _, origin := range []string{"http://localhost:3000", "http://localhost:5173", "http://127.0.0.1:8080"} {
		r := preflight(origin)
		if r.Status != http.StatusNoContent {
			t.Errorf("%s: preflight status %d", origin, r.Status)
		}
		if r.Header.Get("Access-Control-Allow-Origin") != origin || r.Header.Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("%s: allow-origin %q credentials %q", origin, r.Header.Get("Access-Control-Allow-Origin"), r.Header.Get("Access-Control-Allow-Credentials"))
		}
		if m := r.Header.Get("Access-Control-Allow-Methods"); !strings.Contains(m, "POST") || !strings.Contains(m, "PATCH") {
			t.Errorf("%s: allow-methods %q", origin, m)
		}
		if hd := strings.ToLower(r.Header.Get("Access-Control-Allow-Headers")); !strings.Contains(hd, "authorization") || !strings.Contains(hd, "content-type") {
			t.Errorf("%s: allow-headers %q", origin, hd)
		}
	}
	for _, origin := range []string{"https://evil.example", "http://localhost.evil.example:3000", "https://localhost:3000", "null"} {
		r := preflight(origin)
		if r.Status == http.StatusNoContent || r.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s: preflight allowed (%d, %q)", origin, r.Status, r.Header.Get("Access-Control-Allow-Origin"))
		}
		if r.Header.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("%s: credentials allowed", origin)
		}
	}
	// A simple request from an allowed origin exposes the headers clients need.
	r := h.get(t, "/livez", "Origin", "http://localhost:3000")
	if exp := r.Header.Get("Access-Control-Expose-Headers"); !strings.Contains(exp, "X-Request-Id") || !strings.Contains(exp, "Retry-After") {
		t.Errorf("expose headers %q", exp)
	}
	if !strings.Contains(r.Header.Get("Vary"), "Origin") {
		t.Errorf("Vary = %q", r.Header.Get("Vary"))
	}
	// A configured production-like list: only that origin.
	p := newHarness(t, map[string]string{"CORS_ALLOWED_ORIGINS": "https://app.example.com"})
	req := httptest.NewRequest(http.MethodOptions, "/echo", nil)
	req.Header.Set("Origin", "http://localhost:3000")
	req.Header.Set("Access-Control-Request-Method", "POST")
	if r := p.test(t, req); r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("localhost allowed although not configured")
	}
	req.Header.Set("Origin", "https://app.example.com")
	if r := p.test(t, req); r.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("configured origin refused: %d %v", r.Status, r.Header)
	}
}
