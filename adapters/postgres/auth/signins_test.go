package auth

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/postgres"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/auth/authtest"
	"github.com/keelhq/keel/domain/kernel"
)

// TestSignInsContract runs the suite the in-memory history passes against
// sign_in_history.
func TestSignInsContract(t *testing.T) {
	t.Parallel()
	authtest.SignInsContract(t, func(t *testing.T) (auth.SignIns, func(t *testing.T) uuid.UUID) {
		f := newFixture(t)
		return NewSignIns(f.db), func(t *testing.T) uuid.UUID { return f.user(t, kernel.RoleUser, "active") }
	})
}

// Two sign-ins of one account from one new device at once: the second waits for the
// first to commit and finds the device known, so the account is told once.
func TestSignInsRecordConcurrent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h, tx := NewSignIns(f.db), postgres.NewTransactor(f.db)
	id := f.user(t, kernel.RoleUser, "active")
	if _, _, err := h.Record(f.ctx, id, auth.Device{UserAgent: "first"}, f.now, f.now); err != nil {
		t.Fatal(err)
	}
	d, since := auth.Device{UserAgent: "new", IP: "192.0.2.1"}, f.now.Add(-time.Hour)
	type result struct{ known, first bool }
	second := make(chan result, 1)
	err := tx.Do(f.ctx, func(ctx context.Context) error {
		known, first, err := h.Record(ctx, id, d, f.now, since)
		if err != nil || known || first {
			t.Fatalf("first sign-in from the device: known %v, first %v, %v", known, first, err)
		}
		go func() {
			var r result
			err := tx.Do(f.ctx, func(ctx context.Context) (err error) {
				r.known, r.first, err = h.Record(ctx, id, d, f.now, since)
				return err
			})
			if err != nil {
				t.Error(err)
			}
			second <- r
		}()
		// The second sign-in is under way once PostgreSQL has it waiting for a lock.
		deadline := time.Now().Add(10 * time.Second)
		for {
			var waiting int
			if err := f.db.NewRaw(`SELECT count(*) FROM pg_locks WHERE NOT granted
				AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database())`).Scan(f.ctx, &waiting); err != nil {
				return err
			}
			if waiting > 0 {
				return nil
			}
			if time.Now().After(deadline) {
				t.Fatal("the second sign-in never waited for the first")
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := <-second; !r.known || r.first {
		t.Errorf("second sign-in at once: known %v, first %v; want known (the account is told once)", r.known, r.first)
	}
}
