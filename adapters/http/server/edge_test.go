package server_test

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// whoami asks the test route for the client address and scheme the server settled on.
func whoami(t *testing.T, client *http.Client, base string, headers ...string) (ip, proto string, r response) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/whoami", nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	r = send(t, client, req)
	var got struct{ IP, Protocol string }
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	return got.IP, got.Protocol, r
}

// With no trusted proxy, no forwarding header is believed: not the address, and not the
// scheme (which would turn on HSTS and the cross-site cookie).
func TestForwardedHeadersIgnoredWithoutTrustedProxy(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	base := h.listen(t)
	ip, proto, r := whoami(t, newClient(t), base, "X-Forwarded-For", "1.2.3.4", "X-Forwarded-Proto", "https")
	if ip != "127.0.0.1" || proto != "http" || r.Header.Get("Strict-Transport-Security") != "" {
		t.Errorf("ip %s proto %s HSTS %q", ip, proto, r.Header.Get("Strict-Transport-Security"))
	}
}

// Behind a trusted proxy the client is the right-most X-Forwarded-For address that is not
// a trusted proxy, and only a well-formed IP.
func TestClientIPBehindTrustedProxy(t *testing.T) {
	t.Parallel()
	h := newHarness(t, map[string]string{"HTTP_TRUSTED_PROXIES": "127.0.0.1,10.0.0.0/8"})
	base := h.listen(t)
	client := newClient(t)
	for _, tc := range []struct {
		xff  []string
		want string
	}{
		{nil, "127.0.0.1"},
		{[]string{"1.2.3.4"}, "1.2.3.4"},
		{[]string{"9.9.9.9, 1.2.3.4"}, "1.2.3.4"},
		{[]string{"1.2.3.4, 10.1.1.1"}, "1.2.3.4"},
		{[]string{"9.9.9.9", "1.2.3.4"}, "1.2.3.4"},
		{[]string{"spoofed, 1.2.3.4"}, "1.2.3.4"},
		{[]string{"1.2.3.4, not-an-ip"}, "127.0.0.1"},
		{[]string{"1.2.3.4, not-an-ip, 10.0.0.7"}, "10.0.0.7"},
		{[]string{"2001:db8::1"}, "2001:db8::1"},
		{[]string{"10.0.0.1, 10.0.0.2"}, "10.0.0.1"},
	} {
		var headers []string
		for _, v := range tc.xff {
			headers = append(headers, "X-Forwarded-For", v)
		}
		if ip, _, _ := whoami(t, client, base, headers...); ip != tc.want {
			t.Errorf("X-Forwarded-For %q: client %s, want %s", tc.xff, ip, tc.want)
		}
	}
	for xfp, want := range map[string]string{"https": "https", "HTTPS": "https", "https, http": "http", "http, https": "https"} {
		if _, proto, _ := whoami(t, client, base, "X-Forwarded-Proto", xfp); proto != want {
			t.Errorf("X-Forwarded-Proto %q from a trusted proxy: %s, want %s (the nearest proxy's word)", xfp, proto, want)
		}
	}
}

// /metrics: open outside production without a token; with METRICS_TOKEN only to its
// bearer; in production without a token, not served.
func TestMetricsAccess(t *testing.T) {
	t.Parallel()
	const token = "metrics-token-0123456789"
	production := map[string]string{"APP_ENV": "production", "AUTH_JWT_KEYS": "k1:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0",
		"AUTH_CURSOR_SECRET": "a-cursor-secret-of-our-own", "MAIL_DRIVER": "smtp",
		"MAIL_FROM": "Example <no-reply@example.com>", "MAIL_LINK_BASE_URL": "https://app.example.com"}
	for _, tc := range []struct {
		env    map[string]string
		auth   string
		status int
	}{
		{nil, "", http.StatusOK},
		{map[string]string{"METRICS_TOKEN": token}, "", http.StatusNotFound},
		{map[string]string{"METRICS_TOKEN": token}, "Bearer wrong-token-0123456789", http.StatusNotFound},
		{map[string]string{"METRICS_TOKEN": token}, "Bearer " + token, http.StatusOK},
		{map[string]string{"METRICS_TOKEN": token}, "bearer " + token, http.StatusOK},
		{map[string]string{"METRICS_TOKEN": token}, "Basic " + token, http.StatusNotFound},
		{map[string]string{"METRICS_TOKEN": token}, token, http.StatusNotFound},
		{production, "", http.StatusNotFound},
		{production, "Bearer anything-at-all-0123", http.StatusNotFound},
	} {
		h := newHarness(t, tc.env)
		if r := h.get(t, "/metrics", "Authorization", tc.auth); r.Status != tc.status {
			t.Errorf("%v auth %q: %d, want %d", tc.env, tc.auth, r.Status, tc.status)
		}
	}
}

// HTTP_MAX_CONNS_PER_IP caps the open connections of one address; one over is answered
// 429 problem+json, and a slot frees when a connection ends.
func TestConnectionsPerIPCapped(t *testing.T) {
	t.Parallel()
	h := newHarness(t, map[string]string{"HTTP_MAX_CONNS_PER_IP": "3"})
	base := h.listen(t)
	addr := strings.TrimPrefix(base, "http://")
	var held []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	r := rawExchange(t, base, "GET /livez HTTP/1.1\r\nHost: x\r\n\r\n", 0)
	if r.Res.StatusCode != http.StatusTooManyRequests || r.Problem["code"] != "too_many_connections" ||
		r.Problem["requestId"] != r.Res.Header.Get("X-Request-Id") || !r.Closed {
		t.Fatalf("fourth connection: %d %s closed=%v", r.Res.StatusCode, r.Body, r.Closed)
	}
	_ = held[0].Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := rawExchange(t, base, "GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 0)
		if r.Res.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot not freed: %d", r.Res.StatusCode)
		}
		time.Sleep(20 * time.Millisecond) // the server notices the close asynchronously
	}
}

// HTTP_REQUEST_TIMEOUT bounds a request's work: the handler's context ends then, and the
// client gets a 503 problem.
func TestRequestTimeoutBoundsWork(t *testing.T) {
	t.Parallel()
	h := newHarness(t, map[string]string{"HTTP_REQUEST_TIMEOUT": "200ms"})
	start := time.Now()
	r := h.get(t, "/slow")
	took := time.Since(start)
	r.problem(t, http.StatusServiceUnavailable, "service_unavailable")
	if took < 200*time.Millisecond || took > 3*time.Second {
		t.Errorf("took %s with HTTP_REQUEST_TIMEOUT=200ms", took)
	}
	if r.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
}

// A trusted proxy carries many clients' connections: the per-IP cap does not apply to it.
func TestConnectionsFromTrustedProxyNotCapped(t *testing.T) {
	t.Parallel()
	h := newHarness(t, map[string]string{"HTTP_MAX_CONNS_PER_IP": "2", "HTTP_TRUSTED_PROXIES": "127.0.0.1"})
	base := h.listen(t)
	for range 4 {
		c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	if r := rawExchange(t, base, "GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 0); r.Res.StatusCode != http.StatusOK {
		t.Fatalf("fifth connection from the trusted proxy: %d %s", r.Res.StatusCode, r.Body)
	}
}
