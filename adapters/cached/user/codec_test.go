package user

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/user"
)

// The codec gives back what it was given, and refuses every truncation and any trailing
// byte of an encoded value as corrupt (never a panic, never a half-read record).
func TestCodec(t *testing.T) {
	at := time.Date(2026, 11, 30, 5, 6, 7, 890, time.UTC)
	for name, rec := range map[string]user.Record{
		"full": {ID: uuid.Must(uuid.NewV7()), Email: "ann@keel.test", Name: "Ann Ünïcode", Role: "admin",
			Status: "active", Locale: "de", EmailVerifiedAt: at, CreatedAt: at.Add(-time.Hour), UpdatedAt: at},
		"unverified": {ID: uuid.Must(uuid.NewV7()), Email: "bob@keel.test", Name: "B", Role: "user",
			Status: "disabled", Locale: "en", CreatedAt: at, UpdatedAt: at},
	} {
		t.Run(name, func(t *testing.T) {
			raw := toBytes(rec)
			got, err := fromBytes(raw)
			if err != nil || got != rec {
				t.Fatalf("round trip = %+v, %v; want %+v", got, err, rec)
			}
			for n := range len(raw) {
				if _, err := fromBytes(raw[:n]); !errors.Is(err, errCorrupt) {
					t.Errorf("%d of %d bytes: err = %v, want errCorrupt", n, len(raw), err)
				}
			}
			if _, err := fromBytes(append(raw[:len(raw):len(raw)], 0)); !errors.Is(err, errCorrupt) {
				t.Errorf("a trailing byte: err = %v, want errCorrupt", err)
			}
		})
	}
}
