package config

import (
	"strings"
	"testing"
)

// TestSessionIdleTTLAtMostMaxTTL: a session cannot be allowed to idle longer than it may
// live at all.
func TestSessionIdleTTLAtMostMaxTTL(t *testing.T) {
	for _, tc := range []struct {
		idle, max string
		ok        bool
	}{
		{"24h", "24h", true},
		{"1h", "24h", true},
		{"25h", "24h", false},
		{"336h", "1440h", true},
		{"1441h", "1440h", false},
	} {
		_, err := LoadFrom(ProcessAPI, map[string]string{
			"AUTH_SESSION_IDLE_TTL": tc.idle, "AUTH_SESSION_MAX_TTL": tc.max})
		if tc.ok && err != nil {
			t.Errorf("idle %s max %s refused: %v", tc.idle, tc.max, err)
		}
		if !tc.ok && (err == nil || !strings.Contains(err.Error(), "AUTH_SESSION_IDLE_TTL")) {
			t.Errorf("idle %s max %s: %v, want AUTH_SESSION_IDLE_TTL refused", tc.idle, tc.max, err)
		}
	}
}

// TestHTTPEdgeLimits: the request head limit and the per-IP connection cap are bounded.
func TestHTTPEdgeLimits(t *testing.T) {
	cfg, err := LoadFrom(ProcessAPI, map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.MaxHeaderBytes != 16384 || cfg.HTTP.MaxConnsPerIP != 128 || cfg.MetricsToken != "" {
		t.Errorf("defaults: %d %d %q", cfg.HTTP.MaxHeaderBytes, cfg.HTTP.MaxConnsPerIP, cfg.MetricsToken)
	}
	for key, bad := range map[string]string{
		"HTTP_MAX_HEADER_BYTES": "4096", "HTTP_MAX_CONNS_PER_IP": "-1", "METRICS_TOKEN": "short",
	} {
		if _, err := LoadFrom(ProcessAPI, map[string]string{key: bad}); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=%s: %v", key, bad, err)
		}
	}
}

// TestWSSettings: the hub's settings have working defaults and bounds.
func TestWSSettings(t *testing.T) {
	cfg, err := LoadFrom(ProcessAPI, map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if w := cfg.WS; w.MaxConnsPerUser != 10 || w.SendQueueBytes != 262144 || w.MaxFrameBytes != 16384 ||
		w.Heartbeat.String() != "25s" || w.ReplayMax != 1000 || w.PollInterval.String() != "1s" || w.ClientFrameRate != 20 {
		t.Errorf("defaults: %+v", w)
	}
	for key, bad := range map[string]string{
		"WS_MAX_CONNS_PER_USER": "0", "WS_SEND_QUEUE_BYTES": "100", "WS_MAX_FRAME_BYTES": "10",
		"WS_HEARTBEAT": "100ms", "WS_REPLAY_MAX": "0", "WS_POLL_INTERVAL": "5s", "WS_WRITE_TIMEOUT": "0s",
		"WS_CLIENT_FRAME_RATE": "0",
	} {
		if _, err := LoadFrom(ProcessAPI, map[string]string{key: bad}); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=%s: %v", key, bad, err)
		}
	}
}
