package audittest

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/audit"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/ports"
)

func testListFilters(t *testing.T, repo audit.Repository, _ ports.Tx) {
	ctx := testCtx(t)
	alice, bob := kernel.NewID(), kernel.NewID()
	seed := []audit.Entry{
		0: newEntry(alice, "user.updated", "user", "u1", t0),
		1: newEntry(bob, "user.updated", "user", "u2", t0.Add(time.Minute)),
		2: newEntry(alice, "auth.login", "session", "s1", t0.Add(2*time.Minute)),
		3: newEntry(uuid.Nil, "auth.login", "session", "s2", t0.Add(3*time.Minute)),
		4: newEntry(bob, "user.deleted", "user", "u1", t0.Add(4*time.Minute)),
		5: newEntry(alice, "user.updated", "user", "u1", t0.Add(3*time.Minute-time.Microsecond)),
	}
	appendAll(t, ctx, repo, seed...)
	tests := []struct {
		name string
		f    audit.Filter
		want []int // indexes into seed, newest first
	}{
		{"none", audit.Filter{}, []int{5, 4, 3, 2, 1, 0}},
		{"actor", audit.Filter{ActorID: alice}, []int{5, 2, 0}},
		{"entity", audit.Filter{Entity: "session"}, []int{3, 2}},
		{"entity id", audit.Filter{Entity: "user", EntityID: "u1"}, []int{5, 4, 0}},
		{"entity id alone", audit.Filter{EntityID: "u1"}, []int{5, 4, 0}},
		{"action", audit.Filter{Action: "user.updated"}, []int{5, 1, 0}},
		{"from is inclusive", audit.Filter{From: t0.Add(3 * time.Minute)}, []int{4, 3}},
		{"to is exclusive", audit.Filter{To: t0.Add(time.Minute)}, []int{0}},
		{"to, a microsecond after", audit.Filter{To: t0.Add(3 * time.Minute)}, []int{5, 2, 1, 0}},
		{"from and to", audit.Filter{From: t0.Add(time.Minute), To: t0.Add(3 * time.Minute)}, []int{5, 2, 1}},
		{"from equals to", audit.Filter{From: t0.Add(time.Minute), To: t0.Add(time.Minute)}, []int{}},
		{"combined", audit.Filter{ActorID: bob, Entity: "user", From: t0.Add(time.Second)}, []int{4, 1}},
		{"nothing", audit.Filter{ActorID: alice, Action: "user.deleted"}, []int{}},
		{"unknown actor", audit.Filter{ActorID: kernel.NewID()}, []int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := make([]uuid.UUID, len(tt.want))
			for i, j := range tt.want {
				want[i] = seed[j].ID
			}
			if got := ids(list(t, ctx, repo, tt.f)); !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

// testListKeyset pages through the trail while entries are appended between pages: the
// walk returns exactly the entries that existed when it started, newest first, each page
// holding at most Limit+1 entries, the extra one only when more follow.
func testListKeyset(t *testing.T, repo audit.Repository, _ ports.Tx) {
	ctx := testCtx(t)
	var want []uuid.UUID
	for i := range 23 {
		e := newEntry(kernel.NewID(), "user.updated", "user", "u", t0.Add(time.Duration(i)*time.Second))
		appendAll(t, ctx, repo, e)
		want = append(want, e.ID)
	}
	appendAll(t, ctx, repo, newEntry(uuid.Nil, "auth.login", "session", "s", t0))
	slices.Reverse(want)

	const limit = 5
	var got []uuid.UUID
	page := kernel.Page{Limit: limit}
	for n := 0; ; n++ {
		es, err := repo.List(ctx, audit.Filter{Action: "user.updated"}, page)
		if err != nil {
			t.Fatal(err)
		}
		more := len(es) > limit
		if remaining := len(want) - len(got); len(es) > limit+1 || more != (remaining > limit) || (!more && len(es) != remaining) {
			t.Fatalf("page %d has %d entries with %d remaining, limit %d", n, len(es), remaining, limit)
		}
		es = es[:min(len(es), limit)]
		got = append(got, ids(es)...)
		if !more {
			break
		}
		page.After = es[len(es)-1].ID
		appendAll(t, ctx, repo, newEntry(uuid.Nil, "user.updated", "user", "new", t0.Add(time.Hour)))
	}
	if !slices.Equal(got, want) {
		t.Errorf("walk returned %d ids %v,\nwant %d ids %v", len(got), got, len(want), want)
	}
}
