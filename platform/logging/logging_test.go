package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/keelhq/keel/platform/logging"
)

func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not JSON: %v: %s", err, l)
		}
		out = append(out, m)
	}
	return out
}

func TestParseLevel(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]slog.Level{
		"debug": slog.LevelDebug, "DEBUG": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn,
		"Warn": slog.LevelWarn, "error": slog.LevelError, "": slog.LevelInfo, "verbose": slog.LevelInfo,
	} {
		if got := logging.ParseLevel(in); got != want {
			t.Errorf("ParseLevel(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestNewTagsProcessAndFiltersLevel(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := logging.New(&buf, "warn", "worker")
	log.Info("hidden")
	log.Warn("shown", slog.Int("n", 1))
	got := lines(t, &buf)
	if len(got) != 1 || got[0]["msg"] != "shown" || got[0]["process"] != "worker" || got[0]["n"] != 1.0 || got[0]["level"] != "WARN" {
		t.Fatalf("lines %v", got)
	}
}

func TestContextAttrs(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := logging.New(&buf, "debug", "api")
	ctx := logging.WithAttrs(context.Background(), slog.String("request_id", "r1"))
	ctx2 := logging.WithAttrs(ctx, slog.String("user_id", "u1"))

	log.InfoContext(ctx, "one")
	log.InfoContext(ctx2, "two")
	log.Info("three") // no context attributes
	log.With(slog.String("component", "x")).WithGroup("g").InfoContext(ctx2, "four", slog.Int("k", 1))

	got := lines(t, &buf)
	if len(got) != 4 {
		t.Fatalf("%d lines", len(got))
	}
	if got[0]["request_id"] != "r1" || got[0]["user_id"] != nil {
		t.Errorf("one: %v", got[0])
	}
	if got[1]["request_id"] != "r1" || got[1]["user_id"] != "u1" {
		t.Errorf("two: %v", got[1])
	}
	if got[2]["request_id"] != nil {
		t.Errorf("three: %v", got[2])
	}
	if got[3]["component"] != "x" || got[3]["process"] != "api" {
		t.Errorf("four lost its logger attributes: %v", got[3])
	}
	g, _ := got[3]["g"].(map[string]any)
	if g == nil || g["k"] != 1.0 || g["request_id"] != "r1" {
		t.Errorf("four: %v", got[3])
	}
	// The parent context is not changed by deriving a child.
	log.InfoContext(ctx, "five")
	if l := lines(t, &buf); l[len(l)-1]["user_id"] != nil {
		t.Errorf("WithAttrs changed its parent: %v", l[len(l)-1])
	}
}
