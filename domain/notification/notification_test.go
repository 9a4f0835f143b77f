package notification_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/kernel/kerneltest"
	"github.com/keelhq/keel/domain/notification"
)

func TestParseFields(t *testing.T) {
	id := kernel.NewID()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"recipient all", second(notification.ParseRecipient("all")), ""},
		{"recipient id", second(notification.ParseRecipient(id.String())), ""},
		{"recipient upper-case id", second(notification.ParseRecipient(strings.ToUpper(id.String()))), ""},
		{"recipient empty", second(notification.ParseRecipient("")), "validation_required"},
		{"recipient All", second(notification.ParseRecipient("All")), "invalid_recipient"},
		{"recipient braces", second(notification.ParseRecipient("{" + id.String() + "}")), "invalid_recipient"},
		{"recipient nil uuid", second(notification.ParseRecipient(uuid.Nil.String())), "invalid_recipient"},
		{"title", second(notification.ParseTitle(" Hello ")), ""},
		{"title 200", second(notification.ParseTitle(strings.Repeat("é", 200))), ""},
		{"title 201", second(notification.ParseTitle(strings.Repeat("é", 201))), "length_out_of_range"},
		{"title blank", second(notification.ParseTitle(" \t ")), "validation_required"},
		// Invisible characters alone (zero-width space, joiner, BOM) are a blank text.
		{"title invisible", second(notification.ParseTitle("\u200b\u2060\ufeff")), "validation_required"},
		{"body invisible", second(notification.ParseBody(" \u200b\n\u200d ")), "validation_required"},
		{"title line break", second(notification.ParseTitle("a\nb")), "length_out_of_range"},
		{"title bidi override", second(notification.ParseTitle("a\u202eb")), "length_out_of_range"},
		{"title emoji with joiners", second(notification.ParseTitle("\U0001F469\u200D\U0001F4BB done")), ""},
		{"body line breaks", second(notification.ParseBody("a\n\tb")), ""},
		{"body 1001", second(notification.ParseBody(strings.Repeat("b", 1001))), "length_out_of_range"},
		{"body NUL", second(notification.ParseBody("a\x00b")), "length_out_of_range"},
		{"data nil", second(notification.ParseData(nil)), ""},
		{"data small", second(notification.ParseData(map[string]any{"k": strings.Repeat("x", 1000)})), ""},
		{"data large", second(notification.ParseData(map[string]any{"k": strings.Repeat("x", 1020)})), "data_too_large"},
		// Measured as sent: "<" is one byte, not the six of Go's HTML-safe escape.
		{"data markup", second(notification.ParseData(map[string]any{"k": strings.Repeat("<&>", 300)})), ""},
		// PostgreSQL's jsonb holds no NUL: such data could not be stored nor relayed.
		{"data NUL value", second(notification.ParseData(map[string]any{"k": "a\x00b"})), "invalid_characters"},
		{"data NUL key", second(notification.ParseData(map[string]any{"\x00": 1})), "invalid_characters"},
		{"data NUL nested", second(notification.ParseData(map[string]any{"k": []any{map[string]any{"x": "\x00"}}})), "invalid_characters"},
		{"data escaped NUL text", second(notification.ParseData(map[string]any{"k": `\u0000`})), ""},
		{"kind", second(notification.ParseKind("security.new_sign_in")), ""},
		{"kind one word", second(notification.ParseKind("message")), "invalid_kind"},
		{"kind upper", second(notification.ParseKind("Admin.Message")), "invalid_kind"},
	}
	for _, tt := range tests {
		if got := kerneltest.Code(tt.err); got != tt.want {
			t.Errorf("%s: code %q, want %q", tt.name, got, tt.want)
		}
	}
	if r, _ := notification.ParseRecipient(strings.ToUpper(id.String())); r.UserID() != id || r.Broadcast() {
		t.Errorf("recipient = %v", r)
	}
	if title, _ := notification.ParseTitle(" Hello "); title != "Hello" {
		t.Errorf("title %q not trimmed", title)
	}
}

func second[T any](_ T, err error) error { return err }

func TestRecipientAndTopic(t *testing.T) {
	id := kernel.NewID()
	if notification.TopicFor(notification.Everyone) != "broadcast" || notification.Everyone.String() != "all" {
		t.Error("broadcast topic or spelling")
	}
	if notification.TopicFor(notification.User(id)) != kernel.UserTopic(id) || notification.User(id).String() != id.String() {
		t.Error("user topic or spelling")
	}
	defer func() {
		if recover() == nil {
			t.Error("User(uuid.Nil) did not panic")
		}
	}()
	notification.User(uuid.Nil)
}

func TestRestore(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	n := notification.New(notification.Everyone, notification.KindAdminMessage, "T", "B", nil, t0)
	got, err := notification.Restore(n.Record())
	if err != nil || got.Record().ID != n.ID() || !got.Recipient().Broadcast() || got.Data() == nil {
		t.Fatalf("Restore = %+v, %v", got, err)
	}
	for name, mutate := range map[string]func(*notification.Record){
		"no id":         func(r *notification.Record) { r.ID = uuid.Nil },
		"bad kind":      func(r *notification.Record) { r.Kind = "x" },
		"blank title":   func(r *notification.Record) { r.Title = "" },
		"untrimmed":     func(r *notification.Record) { r.Body = " B" },
		"no created at": func(r *notification.Record) { r.CreatedAt = time.Time{} },
	} {
		rec := n.Record()
		mutate(&rec)
		if _, err := notification.Restore(rec); err == nil {
			t.Errorf("Restore accepted a record with %s", name)
		}
	}
	if !n.VisibleTo(kernel.NewID()) || n.VisibleTo(uuid.Nil) {
		t.Error("broadcast visibility")
	}
}
