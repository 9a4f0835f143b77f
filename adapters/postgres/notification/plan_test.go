package notification

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/notification"
	"github.com/keelhq/keel/platform/testkit/pgtest"
)

// TestListReadsTheIndexes checks that a reader's page is two ordered scans of the partial
// indexes (their own, the broadcasts) that stop after the page, not a sort of everything
// the reader was ever sent.
func TestListReadsTheIndexes(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db := pgtest.Open(t).Bun
	reader := kernel.NewID()
	_, err := db.ExecContext(ctx, `
		INSERT INTO users (id, email, name, role, status, locale, created_at, updated_at)
			SELECT CASE WHEN g = 1 THEN ?0::uuid ELSE gen_random_uuid() END, 'u' || g || '@example.com', 'N', 'user', 'active', 'en', now(), now()
			FROM generate_series(1, 200) g;
		INSERT INTO notifications (id, user_id, kind, title, body, created_at)
			SELECT gen_random_uuid(), u.id, 'admin.message', 't', 'b', now() FROM users u, generate_series(1, 100);
		INSERT INTO notifications (id, user_id, kind, title, body, created_at)
			SELECT gen_random_uuid(), NULL, 'admin.message', 't', 'b', now() FROM generate_series(1, 2000);
		ANALYZE notifications; ANALYZE notification_reads`, reader)
	if err != nil {
		t.Fatal(err)
	}
	repo := NewRepository(db)
	for _, f := range []notification.Filter{{}, {Unread: true}} {
		items, err := repo.List(ctx, reader, f, kernel.Page{Limit: 20, After: uuid.Max})
		if err != nil || len(items) != 21 {
			t.Fatalf("List = %d items, %v", len(items), err)
		}
		rows, err := db.QueryContext(ctx, "EXPLAIN "+strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(
			listSQL(f), "?reader", "'"+reader.String()+"'"), "?after", "'"+uuid.Max.String()+"'"), "?limit", "21"))
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		_ = rows.Close()
		text := strings.Join(plan, "\n")
		t.Logf("unread=%v:\n%s", f.Unread, text)
		for _, want := range []string{"notifications_user_idx", "notifications_broadcast_idx"} {
			if !strings.Contains(text, want) {
				t.Errorf("unread=%v: the plan does not use %s", f.Unread, want)
			}
		}
		if strings.Contains(text, "Seq Scan on notifications") {
			t.Errorf("unread=%v: the plan reads the whole table", f.Unread)
		}
	}
}
