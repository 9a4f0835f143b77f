package web_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/platform/validate"
)

func TestProblemMarshalJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    web.Problem
		want map[string]any
	}{
		{
			"minimal", web.Problem{Type: "/docs/problems#not-found", Title: "Not found", Status: 404, Code: "not_found"},
			map[string]any{"type": "/docs/problems#not-found", "title": "Not found", "status": 404.0, "code": "not_found"},
		},
		{
			"with extensions",
			web.Problem{
				Type: "/docs/problems#service-unavailable", Title: "Service unavailable", Status: 503, Code: "service_unavailable",
				Detail: "d", Instance: "/readyz", RequestID: "r1",
				Extensions: map[string]any{"checks": map[string]string{"postgres": "down"}, "retryIn": 5},
			},
			map[string]any{
				"type": "/docs/problems#service-unavailable", "title": "Service unavailable", "status": 503.0,
				"code": "service_unavailable", "detail": "d", "instance": "/readyz", "requestId": "r1",
				"checks": map[string]any{"postgres": "down"}, "retryIn": 5.0,
			},
		},
		{
			"with field errors and empty extensions",
			web.Problem{
				Type: "t", Title: "T", Status: 400, Code: "validation_failed",
				Errors:     []validate.FieldError{{Field: "email", Code: "invalid_email", Message: "m"}},
				Extensions: map[string]any{},
			},
			map[string]any{
				"type": "t", "title": "T", "status": 400.0, "code": "validation_failed",
				"errors": []any{map[string]any{"field": "email", "code": "invalid_email", "message": "m"}},
			},
		},
		{
			"escaping in extensions",
			web.Problem{Type: "t", Title: "T", Status: 400, Code: "c", Extensions: map[string]any{"html": "<b>&</b>", "q": `"`}},
			map[string]any{"type": "t", "title": "T", "status": 400.0, "code": "c", "html": "<b>&</b>", "q": `"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if !json.Valid(b) {
				t.Fatalf("invalid JSON: %s", b)
			}
			var got map[string]any
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Errorf("members %v, want %v", got, tt.want)
			}
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(tt.want)
			if !bytes.Equal(gb, wb) {
				t.Errorf("got  %s\nwant %s", gb, wb)
			}
			if bytes.Contains(b, []byte("Extensions")) {
				t.Errorf("the Extensions field leaked as a member: %s", b)
			}
			// The standard members come first, in their declared order.
			if !strings.HasPrefix(string(b), `{"type":`) {
				t.Errorf("members out of order: %s", b)
			}
		})
	}
}

// An extension must not be able to emit a second "status" or "code": a client's JSON
// decoder would silently take the last one.
func TestProblemExtensionsCannotDuplicateMembers(t *testing.T) {
	t.Parallel()
	p := web.Problem{Type: "t", Title: "T", Status: 400, Code: "c", Extensions: map[string]any{"status": 200, "code": "ok", "x": 1}}
	b, err := json.Marshal(p)
	if err != nil {
		return // refusing is acceptable
	}
	for _, member := range []string{`"status":`, `"code":`} {
		if n := strings.Count(string(b), member); n != 1 {
			t.Errorf("%s appears %d times: %s", member, n, b)
		}
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil || got["status"] != 400.0 || got["code"] != "c" || got["x"] != 1.0 {
		t.Errorf("decoded %v, %v", got, err)
	}
}

func TestTypeURI(t *testing.T) {
	t.Parallel()
	if got := web.TypeURI("payload_too_large"); got != "/docs/problems#payload-too-large" {
		t.Fatalf("TypeURI = %q", got)
	}
}
