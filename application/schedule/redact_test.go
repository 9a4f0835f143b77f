package schedule_test

import (
	"strings"
	"testing"

	"github.com/keelhq/keel/application/schedule"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"dial postgres://keel:hunter2@db.internal/keel failed", "dial postgres://keel:xxxxx@db.internal/keel failed"},
		{"redis://:hunter2@cache:6379/0 down", "redis://:xxxxx@cache:6379/0 down"},
		{"auth failed, password=hunter2; retry", "auth failed, password=xxxxx; retry"},
		{"token: abc123 expired", "token: xxxxx expired"},
		{`bad reply {"password":"hunter2","user":"keel"}`, `bad reply {"password":"xxxxx","user":"keel"}`},
		{`config {"apiKey": "k-123"}`, `config {"apiKey": "xxxxx"}`},
		{"no secret here", "no secret here"},
	} {
		got := schedule.Redact(tt.in)
		if got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.Contains(got, "hunter2") || strings.Contains(got, "k-123") {
			t.Errorf("Redact(%q) = %q keeps a secret", tt.in, got)
		}
	}
}
