package notification

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/memory"
	"github.com/keelhq/keel/adapters/postgres"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/notification"
	"github.com/keelhq/keel/platform/testkit/pgtest"
	"github.com/keelhq/keel/ports"
	"github.com/keelhq/keel/ports/portstest"
)

type noRecipients struct{}

func (noRecipients) Exists(context.Context, uuid.UUID) (bool, error) { return false, nil }

type noTrail struct{}

func (noTrail) Record(context.Context, ports.AuditRecord) error { return nil }

// The purge of the real tables, over several batches, removes the reads older than the
// age (a notification for one account with its read, a broadcast from that reader's
// list) and nothing else; run again, it removes nothing.
func TestPurgeRead(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db := pgtest.Open(t).Bun
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	svc, err := notification.NewService(NewRepository(db), noRecipients{}, postgres.NewTransactor(db), noTrail{},
		memory.NewOutbox(nil), portstest.NewClock(now))
	if err != nil {
		t.Fatal(err)
	}
	alice, bob := kernel.NewID(), kernel.NewID()
	old, recent := now.Add(-31*24*time.Hour), now.Add(-29*24*time.Hour)
	const many = 2*notification.PurgeBatch + 3
	_, err = db.ExecContext(ctx, `
		INSERT INTO users (id, email, name, role, status, locale, created_at, updated_at) VALUES
			(?0, 'alice@example.com', 'A', 'user', 'active', 'en', now(), now()),
			(?1, 'bob@example.com', 'B', 'user', 'active', 'en', now(), now());
		INSERT INTO notifications (id, user_id, kind, title, body, created_at)
			SELECT gen_random_uuid(), ?0, 'admin.message', 'old read', 'b', ?2 FROM generate_series(1, ?4);
		INSERT INTO notification_reads (user_id, notification_id, read_at)
			SELECT ?0, id, ?2 FROM notifications WHERE title = 'old read';
		INSERT INTO notifications (id, user_id, kind, title, body, created_at) VALUES
			('00000000-0000-7000-8000-000000000001', NULL, 'admin.message', 'all', 'b', ?2),
			('00000000-0000-7000-8000-000000000002', ?0, 'admin.message', 'old unread', 'b', ?2),
			('00000000-0000-7000-8000-000000000003', ?0, 'admin.message', 'read recently', 'b', ?2),
			('00000000-0000-7000-8000-000000000004', ?1, 'admin.message', 'bob read recently', 'b', ?2);
		INSERT INTO notification_reads (user_id, notification_id, read_at) VALUES
			(?0, '00000000-0000-7000-8000-000000000001', ?2),
			(?0, '00000000-0000-7000-8000-000000000003', ?3),
			(?1, '00000000-0000-7000-8000-000000000004', ?3)`, alice, bob, old, recent, many)
	if err != nil {
		t.Fatal(err)
	}
	removed, err := svc.PurgeRead(ctx, 30*24*time.Hour)
	if err != nil || removed != many+1 {
		t.Fatalf("PurgeRead = %d, %v; want %d", removed, err, many+1)
	}
	if removed, err := svc.PurgeRead(ctx, 30*24*time.Hour); err != nil || removed != 0 {
		t.Fatalf("PurgeRead again = %d, %v", removed, err)
	}
	titles := func(reader uuid.UUID) []string {
		items, err := NewRepository(db).List(ctx, reader, notification.Filter{}, kernel.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range items {
			out = append(out, string(it.Notification.Title()))
		}
		return out
	}
	if got := titles(alice); len(got) != 2 || got[0] != "read recently" || got[1] != "old unread" {
		t.Errorf("alice keeps %v", got)
	}
	if got := titles(bob); len(got) != 2 || got[0] != "bob read recently" || got[1] != "all" {
		t.Errorf("bob keeps %v", got)
	}
	var rows int
	if err := db.NewRaw(`SELECT count(*) FROM notifications`).Scan(ctx, &rows); err != nil || rows != 4 {
		t.Errorf("%d notifications left, %v; want 4 (the broadcast row stays)", rows, err)
	}
}
