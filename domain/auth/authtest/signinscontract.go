package authtest

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/auth"
)

// SignInsContract runs the contract of auth.SignIns against the history newHistory
// returns (with a way to make an account): Record reports a device as known only when
// seen at or after since, and an account's first sign-in as first; Prune deletes devices
// last seen before the cut-off, at most limit per call, never an account's most recent
// one, and nothing when run again.
func SignInsContract(t *testing.T, newHistory func(t *testing.T) (auth.SignIns, func(t *testing.T) uuid.UUID)) {
	t.Helper()
	t.Run("record", func(t *testing.T) {
		t.Parallel()
		h, newUser := newHistory(t)
		ctx := context.Background()
		ann, bob := newUser(t), newUser(t)
		t0 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
		phone, laptop := auth.Device{UserAgent: "Phone", IP: "192.0.2.1"}, auth.Device{UserAgent: "Laptop", IP: "192.0.2.1"}
		steps := []struct {
			user         uuid.UUID
			d            auth.Device
			now          time.Time
			known, first bool
		}{
			{ann, phone, t0, false, true},
			{ann, phone, t0.Add(time.Hour), true, false},
			{ann, laptop, t0.Add(2 * time.Hour), false, false},
			{bob, phone, t0.Add(2 * time.Hour), false, true},
			{ann, laptop, t0.Add(100 * time.Hour), false, false}, // since = now-90h below: last seen 98h ago
			{ann, laptop, t0.Add(101 * time.Hour), true, false},
		}
		for i, s := range steps {
			known, first, err := h.Record(ctx, s.user, s.d, s.now, s.now.Add(-90*time.Hour))
			if err != nil || known != s.known || first != s.first {
				t.Errorf("step %d: known %v, first %v, %v; want %v, %v", i, known, first, err, s.known, s.first)
			}
		}
	})
	t.Run("prune", func(t *testing.T) {
		t.Parallel()
		h, newUser := newHistory(t)
		ctx := context.Background()
		ann, bob := newUser(t), newUser(t)
		t0 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
		for i := range 4 {
			d := auth.Device{UserAgent: "old", IP: "192.0.2." + string(rune('1'+i))}
			if _, _, err := h.Record(ctx, ann, d, t0.Add(time.Duration(i)*time.Minute), t0); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := h.Record(ctx, bob, auth.Device{UserAgent: "only"}, t0, t0); err != nil {
			t.Fatal(err)
		}
		if _, _, err := h.Record(ctx, ann, auth.Device{UserAgent: "recent"}, t0.Add(48*time.Hour), t0); err != nil {
			t.Fatal(err)
		}
		cut := t0.Add(24 * time.Hour)
		for i, want := range []int64{3, 1, 0} {
			n, err := h.Prune(ctx, cut, 3)
			if err != nil || n != want {
				t.Fatalf("prune %d = %d, %v; want %d", i, n, err, want)
			}
		}
		// What is left: ann's recent device and bob's only one.
		if known, first, _ := h.Record(ctx, ann, auth.Device{UserAgent: "recent"}, t0.Add(49*time.Hour), t0); !known || first {
			t.Errorf("ann's recent device: known %v, first %v", known, first)
		}
		if known, first, _ := h.Record(ctx, bob, auth.Device{UserAgent: "only"}, t0.Add(49*time.Hour), t0); !known || first {
			t.Errorf("bob's only device: known %v, first %v", known, first)
		}
		if known, _, _ := h.Record(ctx, ann, auth.Device{UserAgent: "old", IP: "192.0.2.4"}, t0.Add(50*time.Hour), t0.Add(-time.Hour)); known {
			t.Error("a pruned device is still known")
		}
	})
}
