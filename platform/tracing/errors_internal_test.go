package tracing

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/keelhq/keel/platform/testkit/logtest"
)

func TestExportErrorsAreLoggedOncePerInterval(t *testing.T) {
	t.Parallel()
	var logs logtest.Buffer
	e := &exportErrors{log: slog.New(slog.NewJSONHandler(&logs, nil)), every: time.Hour}
	for range 5 {
		e.Handle(errors.New("collector away"))
	}
	if n := strings.Count(logs.String(), "spans not exported"); n != 1 {
		t.Fatalf("%d lines for 5 errors within the interval", n)
	}
	e.last = time.Now().Add(-2 * time.Hour)
	e.Handle(errors.New("still away"))
	if !strings.Contains(logs.String(), `"unlogged_errors":4`) {
		t.Errorf("the next line does not count the unlogged errors: %s", logs.String())
	}
}
