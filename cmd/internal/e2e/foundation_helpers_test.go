package e2e_test

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// readiness is a decoded /readyz answer (a report, or a problem with checks).
type readiness struct {
	Status int
	Report string            // "ok" or "degraded" on 200; "" on 503
	Checks map[string]string // from the report or the problem's checks extension
	resp   response
}

// getReady fetches /readyz and decodes it, failing on anything but 200 or 503.
func getReady(t *testing.T, baseURL string) readiness {
	t.Helper()
	r := do(t, http.MethodGet, baseURL+"/readyz", nil)
	out := readiness{Status: r.Status, resp: r, Checks: map[string]string{}}
	var checks map[string]any
	switch r.Status {
	case http.StatusOK:
		body := r.JSON(t)
		out.Report, _ = body["status"].(string)
		checks, _ = body["checks"].(map[string]any)
	case http.StatusServiceUnavailable:
		body := wantProblem(t, r, http.StatusServiceUnavailable, "service_unavailable")
		checks, _ = body["checks"].(map[string]any)
	default:
		t.Fatalf("/readyz = %d\n%s", r.Status, r.Body)
	}
	for k, v := range checks {
		out.Checks[k], _ = v.(string)
	}
	return out
}

// String describes a readiness answer for failure messages.
func (r readiness) String() string {
	return fmt.Sprintf("%d %q %v", r.Status, r.Report, r.Checks)
}

// waitFor polls cond every few milliseconds (with a growing backoff) until it holds, and
// returns how long that took; it fails the test with what describe says if timeout passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() (bool, string)) time.Duration {
	t.Helper()
	start := time.Now()
	backoff := 10 * time.Millisecond
	for {
		ok, last := cond()
		if ok {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			t.Fatalf("%s: not within %s; last: %s", what, timeout, last)
		}
		time.Sleep(backoff)
		backoff = min(2*backoff, 250*time.Millisecond)
	}
}

// waitReadiness waits until /readyz answers with status and report (report "" for 503).
func waitReadiness(t *testing.T, baseURL string, status int, report string, timeout time.Duration) (readiness, time.Duration) {
	t.Helper()
	var last readiness
	took := waitFor(t, fmt.Sprintf("/readyz %d %q", status, report), timeout, func() (bool, string) {
		last = getReady(t, baseURL)
		return last.Status == status && last.Report == report, last.String()
	})
	return last, took
}

// stopWith sends sig to n and waits up to timeout for it to exit, returning the exit code
// and how long the process took to stop.
func stopWith(t *testing.T, n *node, sig os.Signal, timeout time.Duration) (int, time.Duration) {
	t.Helper()
	start := time.Now()
	if err := n.Signal(sig); err != nil {
		t.Fatalf("signal: %v", err)
	}
	code, err := n.Wait(timeout)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("did not stop within %s after %v: %v", timeout, sig, err)
	}
	return code, took
}

// register signs a new user up through the API and returns its e-mail address.
func register(t *testing.T, baseURL, email, password string) response {
	t.Helper()
	return do(t, http.MethodPost, baseURL+"/v1/auth/register",
		map[string]string{"email": email, "password": password, "name": "E2E User"})
}

// login signs in through the API.
func login(t *testing.T, baseURL, email, password string) response {
	t.Helper()
	return do(t, http.MethodPost, baseURL+"/v1/auth/login", map[string]string{"email": email, "password": password})
}

// revealsInternals lists internal details found in a response body.
func revealsInternals(body []byte, extra ...string) []string {
	var found []string
	lower := strings.ToLower(string(body))
	for _, s := range append([]string{"dial", "connect", "pgx", "sqlstate", "pgconn", "refused", "127.0.0.1", "goroutine"}, extra...) {
		if strings.Contains(lower, strings.ToLower(s)) {
			found = append(found, s)
		}
	}
	return found
}
