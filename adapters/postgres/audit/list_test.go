package audit

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/audit"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/ports"
)

func TestListFilters(t *testing.T) {
	t.Parallel()
	ctx, db := open(t)
	alice, bob := kernel.NewID(), kernel.NewID()
	ids := seed(t, ctx, db, []seeded{
		0: {alice, "user.updated", "user", "u1", t0},
		1: {bob, "user.updated", "user", "u2", t0.Add(time.Minute)},
		2: {alice, "auth.login", "session", "s1", t0.Add(2 * time.Minute)},
		3: {uuid.Nil, "auth.login", "session", "s2", t0.Add(3 * time.Minute)},
		4: {bob, "user.deleted", "user", "u1", t0.Add(4 * time.Minute)},
	})
	tests := []struct {
		name string
		f    audit.Filter
		want []int // indexes into ids, newest first
	}{
		{"none", audit.Filter{}, []int{4, 3, 2, 1, 0}},
		{"actor", audit.Filter{ActorID: alice}, []int{2, 0}},
		{"entity", audit.Filter{Entity: "session"}, []int{3, 2}},
		{"entity id", audit.Filter{Entity: "user", EntityID: "u1"}, []int{4, 0}},
		{"entity id alone", audit.Filter{EntityID: "u1"}, []int{4, 0}},
		{"action", audit.Filter{Action: "user.updated"}, []int{1, 0}},
		{"from is inclusive", audit.Filter{From: t0.Add(3 * time.Minute)}, []int{4, 3}},
		{"to is exclusive", audit.Filter{To: t0.Add(time.Minute)}, []int{0}},
		{"from and to", audit.Filter{From: t0.Add(time.Minute), To: t0.Add(3 * time.Minute)}, []int{2, 1}},
		{"combined", audit.Filter{ActorID: bob, Entity: "user", From: t0.Add(time.Second)}, []int{4, 1}},
		{"nothing", audit.Filter{ActorID: alice, Action: "user.deleted"}, []int{}},
	}
	repo := NewRepository(db)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries, err := repo.List(ctx, tt.f, kernel.Page{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			got := make([]uuid.UUID, len(entries))
			for i, e := range entries {
				got[i] = e.ID
			}
			want := make([]uuid.UUID, len(tt.want))
			for i, j := range tt.want {
				want[i] = ids[j]
			}
			if !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

// TestListKeyset pages through the trail while entries are recorded between pages: the
// walk returns exactly the entries that existed when it started, newest first.
func TestListKeyset(t *testing.T) {
	t.Parallel()
	ctx, db := open(t)
	entries := make([]seeded, 23)
	for i := range entries {
		entries[i] = seeded{kernel.NewID(), "user.updated", "user", "u", t0.Add(time.Duration(i) * time.Second)}
	}
	want := seed(t, ctx, db, entries)
	slices.Reverse(want)

	repo, trail := NewRepository(db), newTrail(t, db, fixedClock(t0.Add(time.Hour)))
	const limit = 5
	var got []uuid.UUID
	page := kernel.Page{Limit: limit}
	for {
		es, err := repo.List(ctx, audit.Filter{Action: "user.updated"}, page)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) > limit+1 {
			t.Fatalf("page of %d entries, want at most limit+1 = %d", len(es), limit+1)
		}
		more := len(es) > limit
		es = es[:min(len(es), limit)]
		for _, e := range es {
			got = append(got, e.ID)
		}
		if !more {
			break
		}
		page.After = es[len(es)-1].ID
		if err := trail.Record(ctx, ports.AuditRecord{Action: "user.updated", Entity: "user", EntityID: "new"}); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("walk returned %d ids %v,\nwant %d ids %v", len(got), got, len(want), want)
	}
}
