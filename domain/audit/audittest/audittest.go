// Package audittest holds the contract suite of audit.Repository: the in-memory and the
// PostgreSQL trails run the same tests, so that unit tests on the memory one tell the
// truth about the real one.
package audittest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/audit"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/ports"
)

// t0 is the time of the suite's first entries (microsecond precision, as stored).
var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

var errBoom = errors.New("audittest: boom")

// NewRepo returns an empty repository and the transaction boundary its writes join.
type NewRepo func(t *testing.T) (audit.Repository, ports.Tx)

// RepositoryContract runs the contract of audit.Repository against the repositories
// newRepo returns, a fresh one per subtest (subtests run in parallel):
//   - an appended entry lists back field for field (a nil actor as uuid.Nil, Changes as
//     given, nil Changes as empty ones), and the store keeps its own copy of Changes;
//   - Append inside tx.Do commits with it and rolls back with it;
//   - List filters on every non-zero field of the Filter: actor, entity, entity id,
//     action, From inclusive and To exclusive, combined with AND;
//   - List returns entries newest (highest UUIDv7) first, up to Limit+1, and keyset pages
//     stay stable while entries are appended between pages.
func RepositoryContract(t *testing.T, newRepo NewRepo) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, repo audit.Repository, tx ports.Tx)
	}{
		{"append and list back", testRoundTrip},
		{"store keeps copies", testCopies},
		{"append joins the transaction", testTx},
		{"list filters", testListFilters},
		{"list keyset paging", testListKeyset},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			repo, tx := newRepo(t)
			tt.run(t, repo, tx)
		})
	}
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newEntry returns an entry with a new UUIDv7 id, made as the trail makes them.
func newEntry(actor uuid.UUID, action, entity, entityID string, at time.Time) audit.Entry {
	return audit.NewEntry(context.Background(), ports.AuditRecord{
		Action: action, Entity: entity, EntityID: entityID, ActorID: actor,
		Changes: kernel.Changes{"name": {From: "Ann", To: "Anna"}},
	}, at)
}

// appendAll appends the entries in order.
func appendAll(t *testing.T, ctx context.Context, repo audit.Repository, entries ...audit.Entry) {
	t.Helper()
	for _, e := range entries {
		if err := repo.Append(ctx, e); err != nil {
			t.Fatalf("append %s: %v", e.Action, err)
		}
	}
}

// list returns every entry matching f, failing on an error.
func list(t *testing.T, ctx context.Context, repo audit.Repository, f audit.Filter) []audit.Entry {
	t.Helper()
	entries, err := repo.List(ctx, f, kernel.Page{Limit: 100})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	return entries
}

// ids returns the entries' ids in order.
func ids(entries []audit.Entry) []uuid.UUID {
	out := make([]uuid.UUID, len(entries))
	for i, e := range entries {
		out[i] = e.ID
	}
	return out
}

// sameEntry fails unless got equals want, times compared with Equal.
func sameEntry(t *testing.T, got, want audit.Entry) {
	t.Helper()
	if !got.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("created at %v, want %v", got.CreatedAt, want.CreatedAt)
	}
	got.CreatedAt = want.CreatedAt
	if !reflect.DeepEqual(got, want) {
		t.Errorf("entry:\n got %+v\nwant %+v", got, want)
	}
}

func testRoundTrip(t *testing.T, repo audit.Repository, _ ports.Tx) {
	ctx := testCtx(t)
	actor := kernel.NewID()
	full := audit.Entry{
		ID: kernel.NewID(), ActorID: actor, Action: "user.updated", Entity: "user", EntityID: "u1",
		IP: "203.0.113.9", RequestID: "req-1", CreatedAt: t0.Add(123456 * time.Microsecond),
		Changes: kernel.Changes{"name": {From: "Ann", To: "Anna"}, "email_verified": {From: false, To: true}},
	}
	system := audit.Entry{
		ID: kernel.NewID(), Action: "auth.cleanup", Entity: "session", EntityID: "s1",
		Changes: kernel.Changes{}, CreatedAt: t0.Add(time.Minute),
	}
	noChanges := audit.Entry{ID: kernel.NewID(), Action: "x.y", Entity: "x", EntityID: "x1", CreatedAt: t0}
	appendAll(t, ctx, repo, full, system, noChanges)
	got := list(t, ctx, repo, audit.Filter{})
	if len(got) != 3 {
		t.Fatalf("listed %d entries, want 3", len(got))
	}
	noChanges.Changes = kernel.Changes{} // nil Changes list back empty, never nil
	sameEntry(t, got[0], noChanges)
	sameEntry(t, got[1], system)
	sameEntry(t, got[2], full)
	if loc := got[2].CreatedAt.Location(); loc != time.UTC {
		t.Errorf("created at in %v, want UTC", loc)
	}
}

func testCopies(t *testing.T, repo audit.Repository, _ ports.Tx) {
	ctx := testCtx(t)
	e := newEntry(uuid.Nil, "user.updated", "user", "u1", t0)
	want := e
	want.Changes = kernel.Changes{"name": {From: "Ann", To: "Anna"}}
	appendAll(t, ctx, repo, e)
	e.Changes["name"] = kernel.Change{From: "changed", To: "changed"}
	e.Changes["extra"] = kernel.Change{To: "x"}
	got := list(t, ctx, repo, audit.Filter{})
	if len(got) != 1 {
		t.Fatalf("listed %d entries, want 1", len(got))
	}
	sameEntry(t, got[0], want)
	got[0].Changes["extra"] = kernel.Change{To: "y"}
	sameEntry(t, list(t, ctx, repo, audit.Filter{})[0], want)
}

func testTx(t *testing.T, repo audit.Repository, tx ports.Tx) {
	ctx := testCtx(t)
	kept := newEntry(uuid.Nil, "a.kept", "a", "1", t0)
	appendAll(t, ctx, repo, kept)
	err := tx.Do(ctx, func(ctx context.Context) error {
		appendAll(t, ctx, repo, newEntry(uuid.Nil, "a.lost", "a", "2", t0), newEntry(uuid.Nil, "a.lost", "a", "3", t0))
		if got := list(t, ctx, repo, audit.Filter{}); len(got) != 3 {
			t.Errorf("inside the transaction: %d entries, want 3", len(got))
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Do = %v, want fn's error", err)
	}
	if got := ids(list(t, ctx, repo, audit.Filter{})); !slices.Equal(got, []uuid.UUID{kept.ID}) {
		t.Errorf("after rollback: %v, want only %v", got, kept.ID)
	}
	made := newEntry(uuid.Nil, "a.made", "a", "4", t0)
	err = tx.Do(ctx, func(ctx context.Context) error {
		return tx.Do(ctx, func(ctx context.Context) error { return repo.Append(ctx, made) })
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(list(t, ctx, repo, audit.Filter{})); !slices.Equal(got, []uuid.UUID{made.ID, kept.ID}) {
		t.Errorf("after commit: %v, want %v", got, []uuid.UUID{made.ID, kept.ID})
	}
}
