package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/invopop/validation"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/platform/i18n"
)

func TestErrorHandlerClassifies(t *testing.T) {
	t.Parallel()
	bundle, err := i18n.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		err        error
		status     int
		code       string
		retryAfter string
	}{
		{"domain not found", fmt.Errorf("find user: %w", kernel.NewError(kernel.KindNotFound, "not_found")), 404, "not_found", ""},
		{"domain invalid cursor", kernel.ErrInvalidCursor, 400, "invalid_cursor", ""},
		{"domain unavailable", kernel.NewError(kernel.KindUnavailable, "service_unavailable"), 503, "service_unavailable", "5"},
		{"domain unknown kind", kernel.NewError(kernel.Kind(99), "weird"), 500, "weird", ""},
		{"web error", &web.Error{Status: 429, Code: "too_many_requests", RetryAfter: 1500e6}, 429, "too_many_requests", "2"},
		{"fiber error", fiber.ErrMethodNotAllowed, 405, "method_not_allowed", ""},
		{"fiber 5xx", fiber.ErrBadGateway, 502, "internal_error", ""},
		{"validation", validation.Errors{"email": validation.NewError("validation_is_email", "bad")}, 400, "validation_failed", ""},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), 503, "service_unavailable", "5"},
		{"postgres unreachable", fmt.Errorf("find: %w", &pgconn.ConnectError{}), 503, "service_unavailable", "5"},
		{"postgres shutting down", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}, 503, "service_unavailable", "5"},
		{"statement timeout", fmt.Errorf("list: %w", &pgconn.PgError{Code: "57014", Message: "canceling statement due to statement timeout"}), 503, "service_unavailable", "5"},
		{"connection lost", fmt.Errorf("find: failed to receive message: %w", io.ErrUnexpectedEOF), 503, "service_unavailable", "5"},
		{"conn closed", fmt.Errorf("find: %w", pgconn.ErrConnClosed), 503, "service_unavailable", "5"},
		{"postgres constraint", &pgconn.PgError{Code: "23505", Message: "duplicate key value violates unique constraint users_email_key"}, 500, "internal_error", ""},
		{"raw", errors.New("pq: secret SQL detail"), 500, "internal_error", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs strings.Builder
			eh := &web.ErrorHandler{Bundle: bundle, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
			app := fiber.New(fiber.Config{ErrorHandler: eh.Handle})
			app.Get("/x", func(*fiber.Ctx) error { return tt.err })
			res, err := app.Test(httptest.NewRequest(http.MethodGet, "/x", nil), 5000)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			_ = res.Body.Close()
			if res.StatusCode != tt.status || !strings.HasPrefix(res.Header.Get("Content-Type"), web.ContentTypeProblem) {
				t.Fatalf("%d %s, want %d problem: %s", res.StatusCode, res.Header.Get("Content-Type"), tt.status, body)
			}
			var p map[string]any
			if err := json.Unmarshal(body, &p); err != nil || p["code"] != tt.code {
				t.Fatalf("code %v, want %s: %s", p["code"], tt.code, body)
			}
			if got := res.Header.Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("Retry-After %q, want %q", got, tt.retryAfter)
			}
			for _, leak := range []string{"secret", "duplicate key", "users_email_key", "administrator", "pq:"} {
				if strings.Contains(string(body), leak) {
					t.Errorf("body reveals %q: %s", leak, body)
				}
			}
			if tt.status >= 500 && !strings.Contains(logs.String(), "request failed") {
				t.Errorf("5xx not logged")
			}
			if tt.status < 500 && logs.Len() != 0 {
				t.Errorf("4xx logged as an error: %s", logs.String())
			}
		})
	}
}
