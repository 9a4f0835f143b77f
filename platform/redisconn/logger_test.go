package redisconn_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/keelhq/keel/platform/logging"
	"github.com/keelhq/keel/platform/redisconn"
	"github.com/keelhq/keel/platform/testkit/logtest"
)

// go-redis's own messages become JSON log lines, never plain text beside them.
func TestGoRedisMessagesAreStructured(t *testing.T) {
	var buf logtest.Buffer
	c, err := redisconn.Open(redisconn.Options{URL: "redis://127.0.0.1:1/0", Timeout: 50 * time.Millisecond,
		Logger: logging.New(&buf, "info", "test")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// go-redis logs that it rounds an expiry under 1 ms, before it dials.
	_ = c.Set(context.Background(), "k", "v", 500*time.Microsecond).Err()
	out := strings.TrimSpace(buf.String())
	if out == "" {
		t.Fatal("go-redis's message did not reach the logger")
	}
	var rounded, dial bool
	for _, line := range strings.Split(out, "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		msg, _ := m["message"].(string)
		if m["msg"] != "go-redis" || m["level"] != "WARN" {
			t.Errorf("line %v", m)
		}
		rounded = rounded || strings.Contains(msg, "minimal supported value")
		dial = dial || strings.Contains(msg, "failed to dial")
	}
	if !rounded || !dial {
		t.Errorf("missing go-redis messages (rounding %v, dial failure %v):\n%s", rounded, dial, out)
	}
}
