package user_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	httpuser "github.com/keelhq/keel/adapters/http/user"
	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/domain/user"
)

// BenchmarkEncodeUser is the serialization of GET /v1/users/{id} and /v1/users/me: the
// converter and the JSON encoding of one `User`.
func BenchmarkEncodeUser(b *testing.B) {
	at := time.Date(2026, 11, 30, 1, 2, 3, 456789000, time.UTC)
	u, err := user.Restore(user.Record{
		ID: uuid.MustParse("01900000-0000-7000-8000-00000000000a"), Email: "ada@example.com", Name: "Ada Lovelace",
		Role: "user", Status: "active", Locale: "en", EmailVerifiedAt: at, CreatedAt: at, UpdatedAt: at,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(httpuser.ToResource(u)); err != nil {
			b.Fatal(err)
		}
	}
}

// The hand-written encoding of a User is byte for byte encoding/json's.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 30, 1, 2, 3, 456789000, time.FixedZone("x", 3600))
	for _, u := range []httpuser.User{
		{},
		{ID: uuid.MustParse("01900000-0000-7000-8000-00000000000a"), Email: "ada@example.com", Name: "Ada <Lovelace> & \"co\"",
			Role: "admin", Status: "disabled", Locale: "de", EmailVerified: true, CreatedAt: at, UpdatedAt: at.UTC()},
		{Name: "tab\t nl\n ctl\x01 bs\\ u2028\u2028 bad\xff émoji 🚀", CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		want, err := json.Marshal(u)
		if err != nil {
			t.Fatal(err)
		}
		if got := u.AppendJSON(nil); string(got) != string(want) {
			t.Errorf("AppendJSON:\n got %s\nwant %s", got, want)
		}
	}
}

// BenchmarkAppendUser is the same serialization through the hand-written encoder the
// server uses.
func BenchmarkAppendUser(b *testing.B) {
	at := time.Date(2026, 11, 30, 1, 2, 3, 456789000, time.UTC)
	r := httpuser.User{ID: uuid.MustParse("01900000-0000-7000-8000-00000000000a"), Email: "ada@example.com",
		Name: "Ada Lovelace", Role: "user", Status: "active", Locale: "en", EmailVerified: true, CreatedAt: at, UpdatedAt: at}
	b.ReportAllocs()
	for b.Loop() {
		_ = r.AppendJSON(make([]byte, 0, 512))
	}
}

// A page of users is encoded byte for byte as encoding/json does, empty or not.
func TestPageAppendJSONMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	next := "abc<def>"
	at := time.Date(2026, 11, 30, 1, 2, 3, 0, time.UTC)
	u := httpuser.User{ID: uuid.MustParse("01900000-0000-7000-8000-00000000000a"), Name: "A & B", CreatedAt: at, UpdatedAt: at}
	for _, p := range []web.Page[httpuser.User]{
		{},
		{Data: []httpuser.User{}, Pagination: web.Pagination{Limit: 20}},
		{Data: []httpuser.User{u, u}, Pagination: web.Pagination{Limit: 2, NextCursor: &next, HasMore: true}},
	} {
		want, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.AppendJSON(nil); string(got) != string(want) {
			t.Errorf("AppendJSON:\n got %s\nwant %s", got, want)
		}
	}
}
