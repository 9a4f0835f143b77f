package user

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/platform/testkit/pgtest"
)

// emails returns the users' addresses in order.
func emails(us []*user.User) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = string(u.Email())
	}
	return out
}

func TestListFilters(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	repo := NewRepository(pgtest.Open(t).Bun)
	seed := []struct {
		email, name string
		role        kernel.Role
		disabled    bool
	}{
		{"pct@example.com", "100% Sure", kernel.RoleUser, false},
		{"p1000@example.com", "1000 Apples", kernel.RoleUser, false},
		{"under_score@example.com", "Under Score", kernel.RoleAdmin, false},
		{"underxscore@example.com", "Underx", kernel.RoleUser, true},
		{"slash@example.com", `Back\Slash`, kernel.RoleUser, false},
		{"bs@example.com", "Backslash", kernel.RoleUser, false},
		{"zed@example.com", "Zed", kernel.RoleAdmin, true},
	}
	for _, s := range seed {
		u := mustCreate(t, ctx, repo, s.email, s.name, s.role)
		if s.disabled {
			u.SetStatus(user.StatusDisabled, t0, kernel.Changes{})
			if err := repo.Update(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
	}

	tests := []struct {
		name string
		f    user.Filter
		want []string // local parts, newest first
	}{
		{"none", user.Filter{}, []string{"zed", "bs", "slash", "underxscore", "under_score", "p1000", "pct"}},
		{"role", user.Filter{Role: kernel.RoleAdmin}, []string{"zed", "under_score"}},
		{"status", user.Filter{Status: user.StatusDisabled}, []string{"zed", "underxscore"}},
		{"role and status", user.Filter{Role: kernel.RoleAdmin, Status: user.StatusDisabled}, []string{"zed"}},
		{"percent is literal", user.Filter{Q: "100%"}, []string{"pct"}},
		{"underscore is literal", user.Filter{Q: "under_"}, []string{"under_score"}},
		{"backslash is literal", user.Filter{Q: `back\`}, []string{"slash"}},
		{"bare percent", user.Filter{Q: "%"}, nil},
		{"bare underscore", user.Filter{Q: "_"}, nil},
		{"name case-insensitive", user.Filter{Q: "UNDER"}, []string{"underxscore", "under_score"}},
		{"email prefix", user.Filter{Q: "zed@"}, []string{"zed"}},
		{"prefix, not substring", user.Filter{Q: "sure"}, nil},
		{"q and role", user.Filter{Q: "under", Role: kernel.RoleUser}, []string{"underxscore"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := repo.List(ctx, tt.f, kernel.Page{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			want := make([]string, len(tt.want))
			for i, local := range tt.want {
				want[i] = local + "@example.com"
			}
			if g := emails(got); !slices.Equal(g, want) {
				t.Errorf("got %v, want %v", g, want)
			}
		})
	}
}

// TestListKeyset pages through the users while new ones are created between pages: the
// walk returns exactly the users that existed when it started, newest first.
func TestListKeyset(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	repo := NewRepository(pgtest.Open(t).Bun)
	var want []uuid.UUID
	for i := range 25 {
		u := mustCreate(t, ctx, repo, "k"+string(rune('a'+i))+"@example.com", "Keyset", kernel.RoleUser)
		want = append(want, u.ID())
	}
	slices.Reverse(want)

	const limit = 7
	var got []uuid.UUID
	page := kernel.Page{Limit: limit}
	for n := 0; ; n++ {
		us, err := repo.List(ctx, user.Filter{Q: "k"}, page)
		if err != nil {
			t.Fatal(err)
		}
		if len(us) > limit+1 {
			t.Fatalf("page %d has %d users, want at most limit+1 = %d", n, len(us), limit+1)
		}
		more := len(us) > limit
		us = us[:min(len(us), limit)]
		for _, u := range us {
			got = append(got, u.ID())
		}
		if !more {
			break
		}
		page.After = us[len(us)-1].ID()
		for j := range 2 { // newer rows sort before the cursor: never in a later page
			mustCreate(t, ctx, repo, "kn"+string(rune('a'+2*n+j))+"@example.com", "New", kernel.RoleUser)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("walk returned %d ids %v,\nwant %d ids %v", len(got), got, len(want), want)
	}
}

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
