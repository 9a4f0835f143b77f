package user

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/platform/testkit/pgtest"
)

// TestListUsesPrefixIndexes checks that a selective q prefix is answered from the
// text_pattern_ops indexes, not by reading the whole table.
func TestListUsesPrefixIndexes(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db := pgtest.Open(t).Bun
	_, err := db.ExecContext(ctx, `
		INSERT INTO users (id, email, name, role, status, locale, created_at, updated_at)
		SELECT gen_random_uuid(), 'user' || g || '@example.com', 'Name ' || g, 'user', 'active', 'en', now(), now()
		FROM generate_series(1, 5000) g;
		INSERT INTO users (id, email, name, role, status, locale, created_at, updated_at)
		VALUES (gen_random_uuid(), 'zelda@example.com', 'Zelda', 'user', 'active', 'en', now(), now());
		ANALYZE users`)
	if err != nil {
		t.Fatal(err)
	}
	tests := []user.Filter{{Q: "Zeld"}, {Q: "zel_da"}, {Q: "Zeld", Status: user.StatusActive}}
	for _, f := range tests {
		var rows []row
		query := listQuery(db, &rows, f, kernel.Page{Limit: 20}).String()
		plan := explain(t, ctx, db, query)
		t.Logf("q=%q: %s\n%s", f.Q, query, plan)
		if strings.Contains(plan, "Seq Scan on users") {
			t.Errorf("q=%q: plan reads the whole table", f.Q)
		}
		for _, idx := range []string{"users_email_prefix_idx", "users_name_prefix_idx"} {
			if !strings.Contains(plan, idx) {
				t.Errorf("q=%q: plan does not use %s", f.Q, idx)
			}
		}
	}
}

// explain returns the plan of query, one line per node.
func explain(t *testing.T, ctx context.Context, db *bun.DB, query string) string {
	t.Helper()
	rows, err := db.QueryContext(ctx, "EXPLAIN "+query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line sql.NullString
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line.String)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
