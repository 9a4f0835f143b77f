package server_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestLivez(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.pgDown.Store(true) // liveness ignores dependencies
	r := h.get(t, "/livez")
	if r.Status != 200 || !strings.Contains(string(r.Body), `"status":"ok"`) {
		t.Fatalf("livez: %d %s", r.Status, r.Body)
	}
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		pgDown, rdsDown bool
		status          int
		report          string
		checks          map[string]any
	}{
		{"all up", false, false, 200, "ok", map[string]any{"postgres": "ok", "redis": "ok"}},
		{"optional redis down", false, true, 200, "degraded", map[string]any{"postgres": "ok", "redis": "down"}},
		{"required postgres down", true, false, 503, "", map[string]any{"postgres": "down", "redis": "ok"}},
		{"both down", true, true, 503, "", map[string]any{"postgres": "down", "redis": "down"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, nil)
			h.pgDown.Store(tt.pgDown)
			h.rdsDown.Store(tt.rdsDown)
			r := h.get(t, "/readyz")
			var body map[string]any
			if tt.status == 503 {
				body = r.problem(t, 503, "service_unavailable")
				if r.Header.Get("Retry-After") == "" {
					t.Error("503 without Retry-After")
				}
			} else {
				if r.Status != tt.status || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
					t.Fatalf("readyz: %d %s %s", r.Status, r.Header.Get("Content-Type"), r.Body)
				}
				if err := json.Unmarshal(r.Body, &body); err != nil {
					t.Fatal(err)
				}
				if body["status"] != tt.report {
					t.Errorf("status = %v, want %s", body["status"], tt.report)
				}
			}
			checks, _ := body["checks"].(map[string]any)
			if len(checks) != len(tt.checks) {
				t.Fatalf("checks = %v, want %v", body["checks"], tt.checks)
			}
			for k, v := range tt.checks {
				if checks[k] != v {
					t.Errorf("checks[%s] = %v, want %v", k, checks[k], v)
				}
			}
		})
	}
}

func TestReadyzRecovers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.pgDown.Store(true)
	h.get(t, "/readyz").problem(t, 503, "service_unavailable")
	h.pgDown.Store(false)
	if r := h.get(t, "/readyz"); r.Status != 200 {
		t.Fatalf("after recovery: %d %s", r.Status, r.Body)
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.get(t, "/nope")
	h.get(t, "/nope/deeper")
	h.get(t, "/items/1")
	h.get(t, "/items/2")
	h.get(t, "/boom")
	h.post(t, "/echo", "text/plain", "x")
	r := h.get(t, "/metrics")
	if r.Status != 200 {
		t.Fatalf("metrics: %d", r.Status)
	}
	text := string(r.Body)
	for _, want := range []string{
		`http_requests_total{method="GET",route="unmatched",status="404"} 2`,
		`http_requests_total{method="GET",route="/items/:id",status="200"} 2`,
		`http_requests_total{method="GET",route="/boom",status="500"} 1`,
		`http_requests_total{method="POST",route="/echo",status="415"} 1`,
		`http_request_duration_seconds_bucket{method="GET",route="unmatched",le="+Inf"} 2`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// Raw paths never become labels (unbounded cardinality).
	if regexp.MustCompile(`route="/(nope|items/1)`).MatchString(text) {
		t.Errorf("a raw path became a route label:\n%s", grepLines(text, "http_requests_total"))
	}
}

func TestMetricsUnknownMethodIsBounded(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	url := h.listen(t)
	client := newClient(t)
	long := strings.Repeat("X", 40)
	for _, m := range []string{"FOO", long} {
		req, _ := http.NewRequest(m, url+"/livez", nil)
		send(t, client, req)
	}
	text := string(h.get(t, "/metrics").Body)
	if strings.Contains(text, long) || strings.Contains(text, `method="FOO"`) {
		t.Errorf("an unknown method became a label")
	}
	if !strings.Contains(text, `http_requests_total{method="OTHER",route="unmatched",status="501"} 2`) {
		t.Errorf("unknown method not counted:\n%s", grepLines(text, "http_requests_total"))
	}
}

func grepLines(text, substr string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
