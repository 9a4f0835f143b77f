package usertest

import (
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/ports"
)

// emails returns the users' addresses in order.
func emails(us []*user.User) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = string(u.Email())
	}
	return out
}

func testListFilters(t *testing.T, repo user.Repository, _ ports.Tx) {
	ctx := testCtx(t)
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
		u := create(t, ctx, repo, s.email, s.name, s.role)
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
		{"email prefix, any case", user.Filter{Q: "ZED@EX"}, []string{"zed"}},
		{"prefix, not substring", user.Filter{Q: "sure"}, nil},
		{"q and role", user.Filter{Q: "under", Role: kernel.RoleUser}, []string{"underxscore"}},
		{"q, role and status", user.Filter{Q: "z", Role: kernel.RoleAdmin, Status: user.StatusActive}, nil},
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

// testListKeyset pages through the users while new ones are created between pages: the
// walk returns exactly the users that existed when it started, newest first, each page
// holding at most Limit+1 users, the extra one only when more follow.
func testListKeyset(t *testing.T, repo user.Repository, _ ports.Tx) {
	ctx := testCtx(t)
	var want []uuid.UUID
	for i := range 25 {
		u := create(t, ctx, repo, "k"+string(rune('a'+i))+"@example.com", "Keyset", kernel.RoleUser)
		want = append(want, u.ID())
	}
	create(t, ctx, repo, "other@example.com", "Other", kernel.RoleUser)
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
		if remaining := len(want) - len(got); more != (remaining > limit) || (!more && len(us) != remaining) {
			t.Fatalf("page %d has %d users with %d remaining", n, len(us), remaining)
		}
		us = us[:min(len(us), limit)]
		for _, u := range us {
			got = append(got, u.ID())
		}
		if !more {
			break
		}
		page.After = us[len(us)-1].ID()
		for j := range 2 { // newer users sort before the cursor: never in a later page
			create(t, ctx, repo, "kn"+string(rune('a'+2*n+j))+"@example.com", "New", kernel.RoleUser)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("walk returned %d ids %v,\nwant %d ids %v", len(got), got, len(want), want)
	}
	if us, err := repo.List(ctx, user.Filter{}, kernel.Page{Limit: 1, After: want[len(want)-1]}); err != nil || len(us) != 0 {
		t.Errorf("after the oldest user: %d users, %v", len(us), err)
	}
}
