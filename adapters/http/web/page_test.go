package web_test

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/kernel/kerneltest"
)

func TestCursorsPage(t *testing.T) {
	t.Parallel()
	cursors := web.NewCursors("s")
	id := uuid.Must(uuid.NewV7())
	n := func(v int) *int { return &v }
	if p, err := cursors.Page("users", nil, ""); err != nil || p.Limit != 20 || p.After != uuid.Nil {
		t.Errorf("defaults: %+v %v", p, err)
	}
	if p, err := cursors.Page("users", n(5), cursors.Encode("users", id)); err != nil || p.Limit != 5 || p.After != id {
		t.Errorf("good cursor: %+v %v", p, err)
	}
	for _, limit := range []int{0, 101, -1} {
		if _, err := cursors.Page("users", n(limit), ""); kerneltest.FieldCodes(t, err)["limit"] != "out_of_range" {
			t.Errorf("limit %d: %v", limit, err)
		}
	}
	if _, err := cursors.Page("users", nil, cursors.Encode("audit", id)); !errors.Is(err, kernel.ErrInvalidCursor) {
		t.Errorf("other list's cursor: %v", err)
	}
	if _, err := cursors.Page("users", nil, "garbage"); !errors.Is(err, kernel.ErrInvalidCursor) {
		t.Errorf("garbage cursor: %v", err)
	}
}

// A cursor has one spelling: changing the unused bits of its last character is an
// altered cursor.
func TestCursorsAreStrictBase64(t *testing.T) {
	t.Parallel()
	cursors := web.NewCursors("s")
	good := cursors.Encode("users", uuid.Must(uuid.NewV7()))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	accepted := 0
	for _, r := range alphabet {
		if _, err := cursors.Decode("users", good[:len(good)-1]+string(r)); err == nil {
			accepted++
		}
	}
	if accepted != 1 {
		t.Errorf("%d spellings of the last character accepted, want only the cursor's own", accepted)
	}
}
