// Package logging builds Keel's structured JSON logger (log/slog) and carries per-request
// attributes such as the request id in a context.Context.
package logging

import (
	"context"
	"io"
	"log/slog"
	"strings"
)

// New returns a JSON logger at the given level ("debug", "info", "warn", "error") that tags
// every line with the process name and the attributes stored in the record's context, and
// whatever opts add (TraceIDs).
func New(w io.Writer, level, process string, opts ...Option) *slog.Logger {
	var h slog.Handler = &contextHandler{Handler: slog.NewJSONHandler(w, &slog.HandlerOptions{Level: ParseLevel(level)})}
	for _, o := range opts {
		h = o(h)
	}
	return slog.New(h).With(slog.String("process", process))
}

// ParseLevel maps a level name to a slog level; unknown names mean info.
func ParseLevel(level string) slog.Level {
	switch strings.ToLower(level) {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

type attrsKey struct{}

// WithAttrs returns a context whose log lines (through a logger from New, with a *Context
// method) carry attrs in addition to any attributes already stored in ctx.
func WithAttrs(ctx context.Context, attrs ...slog.Attr) context.Context {
	prev, _ := ctx.Value(attrsKey{}).([]slog.Attr)
	merged := make([]slog.Attr, 0, len(prev)+len(attrs))
	merged = append(append(merged, prev...), attrs...)
	return context.WithValue(ctx, attrsKey{}, merged)
}

// contextHandler adds the attributes stored by WithAttrs to each record.
type contextHandler struct {
	slog.Handler
}

func (h *contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if attrs, ok := ctx.Value(attrsKey{}).([]slog.Attr); ok {
		r.AddAttrs(attrs...)
	}
	return h.Handler.Handle(ctx, r)
}

func (h *contextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &contextHandler{Handler: h.Handler.WithAttrs(attrs)}
}

func (h *contextHandler) WithGroup(name string) slog.Handler {
	return &contextHandler{Handler: h.Handler.WithGroup(name)}
}
