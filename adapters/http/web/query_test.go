package web_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/invopop/validation"

	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/domain/kernel"
)

// inCtx runs fn inside a Fiber handler for one request and waits for it.
func inCtx(t *testing.T, req *http.Request, fn func(c *fiber.Ctx)) {
	t.Helper()
	app := fiber.New()
	ran := false
	app.All("/*", func(c *fiber.Ctx) error {
		fn(c)
		ran = true
		return c.SendStatus(http.StatusNoContent)
	})
	res, err := app.Test(req, 5000)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	if !ran {
		t.Fatalf("handler did not run: %d", res.StatusCode)
	}
}

// fieldCodes returns the field -> code map of a validation.Errors, or fails.
func fieldCodes(t *testing.T, err error) map[string]string {
	t.Helper()
	var verrs validation.Errors
	if !errors.As(err, &verrs) {
		t.Fatalf("error %T %v is not validation.Errors", err, err)
	}
	out := map[string]string{}
	for k, e := range verrs {
		var ve validation.Error
		if errors.As(e, &ve) {
			out[k] = ve.Code()
		} else {
			out[k] = e.Error()
		}
	}
	return out
}

func TestPageLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		query   string
		limit   int
		invalid bool
	}{
		{"", 20, false},
		{"limit=1", 1, false},
		{"limit=100", 100, false},
		{"limit=%2042%20", 42, false},
		{"limit=", 20, false},
		{"limit=0", 0, true},
		{"limit=101", 0, true},
		{"limit=-1", 0, true},
		{"limit=abc", 0, true},
		{"limit=1.5", 0, true},
		{"limit=99999999999999999999", 0, true},
	}
	cursors := web.NewCursors("s")
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()
			var page kernel.Page
			var err error
			inCtx(t, httptest.NewRequest(http.MethodGet, "/users?"+tt.query, nil), func(c *fiber.Ctx) {
				page, err = web.Query(c).Page(cursors, "users")
			})
			if tt.invalid {
				codes := fieldCodes(t, err)
				if len(codes) != 1 || codes["limit"] == "" {
					t.Errorf("errors %v, want one for limit", codes)
				}
				return
			}
			if err != nil || page.Limit != tt.limit || page.After != uuid.Nil {
				t.Errorf("Page = %+v, %v; want limit %d", page, err, tt.limit)
			}
		})
	}
}

func TestPageCursor(t *testing.T) {
	t.Parallel()
	cursors := web.NewCursors("s")
	id := uuid.Must(uuid.NewV7())
	good := cursors.Encode("users", id)
	get := func(q string) (kernel.Page, error) {
		var page kernel.Page
		var err error
		inCtx(t, httptest.NewRequest(http.MethodGet, "/users?"+q, nil), func(c *fiber.Ctx) {
			page, err = web.Query(c).Page(cursors, "users")
		})
		return page, err
	}
	if p, err := get("limit=5&cursor=" + good); err != nil || p.After != id || p.Limit != 5 {
		t.Fatalf("good cursor: %+v %v", p, err)
	}
	if _, err := get("cursor=" + cursors.Encode("audit", id)); !errors.Is(err, kernel.ErrInvalidCursor) {
		t.Fatalf("other list's cursor: %v", err)
	}
	if _, err := get("cursor=garbage"); !errors.Is(err, kernel.ErrInvalidCursor) {
		t.Fatalf("garbage cursor: %v", err)
	}
	// Invalid parameters are reported before the cursor is looked at.
	_, err := get("limit=0&cursor=garbage")
	if codes := fieldCodes(t, err); codes["limit"] == "" {
		t.Fatalf("limit error hidden: %v", err)
	}
}

func TestQueryParamsCollectEveryError(t *testing.T) {
	t.Parallel()
	var collected error
	q := url.Values{
		"n": {"x"}, "id": {"not-a-uuid"}, "from": {"yesterday"}, "unread": {"perhaps"},
		"ok_n": {"7"}, "ok_id": {"0190a5e2-7d3c-7b1e-9f00-000000000001"}, "ok_from": {"2026-01-02T03:04:05Z"}, "ok_unread": {"true"},
		"s": {"  padded  "},
	}
	inCtx(t, httptest.NewRequest(http.MethodGet, "/x?"+q.Encode(), nil), func(c *fiber.Ctx) {
		qp := web.Query(c)
		qp.Int("n", 0)
		qp.UUID("id")
		qp.Time("from")
		qp.Bool("unread")
		if qp.Int("ok_n", 0) != 7 || qp.Int("absent", 9) != 9 {
			t.Error("Int")
		}
		if qp.UUID("ok_id").String() != "0190a5e2-7d3c-7b1e-9f00-000000000001" || qp.UUID("absent") != uuid.Nil {
			t.Error("UUID")
		}
		if !qp.Time("ok_from").Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) || !qp.Time("absent").IsZero() {
			t.Error("Time")
		}
		if !qp.Bool("ok_unread") || qp.Bool("absent") {
			t.Error("Bool")
		}
		if qp.String("s") != "padded" {
			t.Errorf("String = %q", qp.String("s"))
		}
		qp.Fail("ignored", nil)
		collected = qp.Err()
	})
	codes := fieldCodes(t, collected)
	{
		want := map[string]string{"n": "invalid_integer", "id": "invalid_uuid", "from": "invalid_timestamp", "unread": "invalid_boolean"}
		if len(codes) != len(want) {
			t.Errorf("codes %v, want %v", codes, want)
		}
		for k, v := range want {
			if codes[k] != v {
				t.Errorf("%s: %q, want %q", k, codes[k], v)
			}
		}
	}
	inCtx(t, httptest.NewRequest(http.MethodGet, "/x", nil), func(c *fiber.Ctx) {
		if err := web.Query(c).Err(); err != nil {
			t.Errorf("no parameters: %v", err)
		}
	})
}

func TestQueryStringIsACopy(t *testing.T) {
	t.Parallel()
	var kept string
	inCtx(t, httptest.NewRequest(http.MethodGet, "/x?q=keepme", nil), func(c *fiber.Ctx) {
		kept = web.Query(c).String("q")
	})
	// Another request through a new app reuses pooled buffers; the copy must not change.
	inCtx(t, httptest.NewRequest(http.MethodGet, "/x?q="+strings.Repeat("z", 6), nil), func(*fiber.Ctx) {})
	if kept != "keepme" {
		t.Fatalf("kept = %q", kept)
	}
}
