package web_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/domain/kernel"
)

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	c := web.NewCursors("secret-a")
	for range 20 {
		id := uuid.Must(uuid.NewV7())
		cur := c.Encode("users?role=admin", id)
		if strings.ContainsAny(cur, "+/=") {
			t.Fatalf("cursor %q is not URL-safe", cur)
		}
		got, err := c.Decode("users?role=admin", cur)
		if err != nil || got != id {
			t.Fatalf("Decode = %s, %v; want %s", got, err, id)
		}
	}
	// The same id in the same list always gives the same cursor (stable under inserts).
	id := uuid.Must(uuid.NewV7())
	if c.Encode("users", id) != c.Encode("users", id) {
		t.Fatal("cursor not deterministic")
	}
}

func TestCursorEmptyIsFirstPage(t *testing.T) {
	t.Parallel()
	got, err := web.NewCursors("s").Decode("users", "")
	if err != nil || got != uuid.Nil {
		t.Fatalf("Decode(\"\") = %s, %v", got, err)
	}
}

func TestCursorRefused(t *testing.T) {
	t.Parallel()
	c := web.NewCursors("secret-a")
	id := uuid.Must(uuid.NewV7())
	good := c.Encode("users", id)
	raw, _ := base64.RawURLEncoding.DecodeString(good)

	flip := func(i int) string {
		b := append([]byte(nil), raw...)
		b[i] ^= 0x01
		return base64.RawURLEncoding.EncodeToString(b)
	}
	otherID := uuid.Must(uuid.NewV7())
	swapped := append(append([]byte(nil), otherID[:]...), raw[16:]...)

	tests := []struct {
		name, list, cursor string
		codec              *web.Cursors
	}{
		{"id byte flipped", "users", flip(3), c},
		{"mac byte flipped", "users", flip(20), c},
		{"id swapped, mac kept", "users", base64.RawURLEncoding.EncodeToString(swapped), c},
		{"another list", "audit-logs", good, c},
		{"same list, other filters", "users?role=admin", good, c},
		{"another secret", "users", good, web.NewCursors("secret-b")},
		{"truncated", "users", good[:len(good)-2], c},
		{"extended", "users", good + "AA", c},
		{"padding added", "users", good + "=", c},
		{"not base64", "users", "!!!!", c},
		{"standard base64 alphabet", "users", base64.StdEncoding.EncodeToString(raw), c},
		{"bare uuid", "users", id.String(), c},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.codec.Decode(tt.list, tt.cursor)
			if !errors.Is(err, kernel.ErrInvalidCursor) {
				t.Fatalf("Decode(%q) = %s, %v; want ErrInvalidCursor", tt.cursor, got, err)
			}
			if got != uuid.Nil {
				t.Fatalf("refused cursor still gave id %s", got)
			}
		})
	}
}

// The list name and the id are separated, so "ab"+id and "a"+"b"+id cannot collide.
func TestCursorListBoundary(t *testing.T) {
	t.Parallel()
	c := web.NewCursors("s")
	id := uuid.Must(uuid.NewV7())
	if _, err := c.Decode("user", c.Encode("users", id)); err == nil {
		t.Fatal("a prefix of the list name accepted the cursor")
	}
}

func TestNewPage(t *testing.T) {
	t.Parallel()
	c := web.NewCursors("s")
	type item struct{ id uuid.UUID }
	items := []item{{uuid.Must(uuid.NewV7())}, {uuid.Must(uuid.NewV7())}}
	conv := func(i item) string { return i.id.String() }
	idOf := func(i item) uuid.UUID { return i.id }

	p := web.NewPage(c, "users", items, 2, true, idOf, conv)
	if len(p.Data) != 2 || p.Data[1] != items[1].id.String() || !p.Pagination.HasMore || p.Pagination.Limit != 2 {
		t.Fatalf("page %+v", p)
	}
	if p.Pagination.NextCursor == nil {
		t.Fatal("no next cursor although more follow")
	}
	if after, err := c.Decode("users", *p.Pagination.NextCursor); err != nil || after != items[1].id {
		t.Fatalf("next cursor names %s, %v; want the last item", after, err)
	}

	last := web.NewPage(c, "users", items, 20, false, idOf, conv)
	if last.Pagination.NextCursor != nil || last.Pagination.HasMore {
		t.Fatalf("last page %+v", last.Pagination)
	}
	empty := web.NewPage(c, "users", []item{}, 20, false, idOf, conv)
	if empty.Data == nil || len(empty.Data) != 0 {
		t.Fatalf("empty page data %#v: must encode as [] not null", empty.Data)
	}
}
