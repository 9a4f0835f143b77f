package e2e_test

import (
	"net/http"
	"testing"
)

// TestPerIPRateLimit: every /v1 request spends the client IP's budget, the operational
// routes do not, and RATE_LIMIT_ENABLED=false switches the limit off.
func TestPerIPRateLimit(t *testing.T) {
	t.Parallel()
	s := newStack(t, "RATE_LIMIT_PER_IP=1", "RATE_LIMIT_PER_IP_BURST=3")
	api := s.start("api")
	for i := range 3 {
		r := do(t, http.MethodGet, api.URL+"/v1/auth/me", nil)
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("request %d within the burst: status %d, want 401\n%s", i+1, r.Status, r.Body)
		}
	}
	r := do(t, http.MethodGet, api.URL+"/v1/auth/me", nil, "Accept-Language", "de")
	p := wantProblem(t, r, http.StatusTooManyRequests, "too_many_requests")
	if r.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	if r.Header.Get("Content-Language") != "de" || p["title"] == "" {
		t.Errorf("429 not localized: Content-Language %q, title %v", r.Header.Get("Content-Language"), p["title"])
	}
	for _, path := range []string{"/livez", "/readyz"} {
		if r := do(t, http.MethodGet, api.URL+path, nil); r.Status != http.StatusOK {
			t.Errorf("%s = %d while /v1 is limited, want 200", path, r.Status)
		}
	}

	off := s.start("api", "RATE_LIMIT_ENABLED=false")
	for i := range 10 {
		if r := do(t, http.MethodGet, off.URL+"/v1/auth/me", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("limits off, request %d: status %d, want 401", i+1, r.Status)
		}
	}
}
