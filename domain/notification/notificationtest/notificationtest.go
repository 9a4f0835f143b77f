// Package notificationtest holds the contract suite of notification.Repository: the
// in-memory and the PostgreSQL repositories run the same tests, so that unit tests on
// the memory one tell the truth about the real one.
package notificationtest

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/notification"
	"github.com/keelhq/keel/ports"
)

// t0 is the creation time of the suite's notifications (microsecond precision, as stored).
var t0 = time.Date(2026, 11, 30, 10, 0, 0, 123456000, time.UTC)

var errBoom = errors.New("notificationtest: boom")

// Env is one empty repository, the transaction boundary its writes join, and a way to
// make an account that may receive notifications.
type Env struct {
	Repo    notification.Repository
	Tx      ports.Tx
	NewUser func(t *testing.T) uuid.UUID
}

// NewEnv returns a fresh Env.
type NewEnv func(t *testing.T) Env

// RepositoryContract runs the contract of notification.Repository against the
// repositories newEnv returns, a fresh one per subtest (subtests run in parallel):
//   - a reader lists their own notifications and every broadcast, newest first, with
//     the state that was stored, never another account's;
//   - read state is per reader: a broadcast read by one is unread for another;
//     MarkRead keeps the first time; another account's or an unknown notification is
//     notification.ErrNotFound;
//   - MarkAllRead marks what the reader sees, and counts it;
//   - List with Unread, and keyset pages (up to Limit+1, stable while more are created);
//   - writes inside tx.Do commit and roll back with it;
//   - PurgeRead removes the reads before the cutoff, at most limit per call: a
//     notification for one account goes, a broadcast leaves only that reader's list;
//     unread ones and later reads stay; run again it removes nothing.
func RepositoryContract(t *testing.T, newEnv NewEnv) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, e Env)
	}{
		{"create and list", testCreateAndList},
		{"read state is per reader", testReadState},
		{"mark all read", testMarkAllRead},
		{"unread filter and keyset pages", testKeyset},
		{"transaction commits and rolls back", testTx},
		{"purge read", testPurge},
		{"data keeps its numbers exactly", testDataNumbers},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, newEnv(t))
		})
	}
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// create stores a new notification for to, sent at `at`.
func create(t *testing.T, ctx context.Context, repo notification.Repository, to notification.Recipient, title string, at time.Time) *notification.Notification {
	t.Helper()
	n := notification.New(to, notification.KindAdminMessage, notification.Title(title), "Body of "+notification.Body(title),
		notification.Data{"n": title, "nested": map[string]any{"ok": true}}, at)
	if err := repo.Create(ctx, n); err != nil {
		t.Fatalf("create %s: %v", title, err)
	}
	return n
}

// list returns every notification reader sees with f, in one page.
func list(t *testing.T, ctx context.Context, repo notification.Repository, reader uuid.UUID, f notification.Filter) []notification.Item {
	t.Helper()
	items, err := repo.List(ctx, reader, f, kernel.Page{Limit: 100})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	return items
}

// titles returns the items' titles in order, with "*" after a read one.
func titles(items []notification.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = string(it.Notification.Title())
		if it.Read() {
			out[i] += "*"
		}
	}
	return out
}

func wantTitles(t *testing.T, what string, items []notification.Item, want ...string) {
	t.Helper()
	if got := titles(items); !reflect.DeepEqual(got, want) && (len(got) != 0 || len(want) != 0) {
		t.Errorf("%s: %v, want %v", what, got, want)
	}
}

func testCreateAndList(t *testing.T, e Env) {
	ctx := testCtx(t)
	alice, bob := e.NewUser(t), e.NewUser(t)
	a1 := create(t, ctx, e.Repo, notification.User(alice), "a1", t0)
	create(t, ctx, e.Repo, notification.Everyone, "all", t0.Add(time.Second))
	create(t, ctx, e.Repo, notification.User(bob), "b1", t0.Add(2*time.Second))
	create(t, ctx, e.Repo, notification.User(alice), "a2", t0.Add(3*time.Second))
	wantTitles(t, "alice", list(t, ctx, e.Repo, alice, notification.Filter{}), "a2", "all", "a1")
	wantTitles(t, "bob", list(t, ctx, e.Repo, bob, notification.Filter{}), "b1", "all")
	wantTitles(t, "nobody's", list(t, ctx, e.Repo, e.NewUser(t), notification.Filter{}), "all")

	items := list(t, ctx, e.Repo, alice, notification.Filter{})
	got := items[2].Notification.Record()
	want := a1.Record()
	if !got.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("created at %v, want %v", got.CreatedAt, want.CreatedAt)
	}
	got.CreatedAt = want.CreatedAt
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stored\n %#v\nwant\n %#v", got, want)
	}
	if items[1].Notification.Recipient() != notification.Everyone || items[1].Read() {
		t.Errorf("broadcast listed as %+v", items[1])
	}
}

func testReadState(t *testing.T, e Env) {
	ctx := testCtx(t)
	alice, bob := e.NewUser(t), e.NewUser(t)
	all := create(t, ctx, e.Repo, notification.Everyone, "all", t0)
	mine := create(t, ctx, e.Repo, notification.User(alice), "mine", t0.Add(time.Second))
	at := t0.Add(time.Hour)
	if err := e.Repo.MarkRead(ctx, alice, all.ID(), at); err != nil {
		t.Fatal(err)
	}
	if err := e.Repo.MarkRead(ctx, alice, all.ID(), at.Add(time.Hour)); err != nil {
		t.Fatalf("read twice: %v", err)
	}
	items := list(t, ctx, e.Repo, alice, notification.Filter{})
	wantTitles(t, "alice", items, "mine", "all*")
	if !items[1].ReadAt.Equal(at) {
		t.Errorf("read at %v, want the first read %v", items[1].ReadAt, at)
	}
	wantTitles(t, "bob", list(t, ctx, e.Repo, bob, notification.Filter{}), "all")
	wantTitles(t, "alice unread", list(t, ctx, e.Repo, alice, notification.Filter{Unread: true}), "mine")
	for name, id := range map[string]uuid.UUID{"another's": mine.ID(), "unknown": kernel.NewID()} {
		if err := e.Repo.MarkRead(ctx, bob, id, at); !errors.Is(err, notification.ErrNotFound) {
			t.Errorf("MarkRead of %s = %v, want ErrNotFound", name, err)
		}
	}
	wantTitles(t, "alice after bob's attempt", list(t, ctx, e.Repo, alice, notification.Filter{Unread: true}), "mine")
}

func testMarkAllRead(t *testing.T, e Env) {
	ctx := testCtx(t)
	alice, bob := e.NewUser(t), e.NewUser(t)
	all := create(t, ctx, e.Repo, notification.Everyone, "all", t0)
	create(t, ctx, e.Repo, notification.User(alice), "a1", t0.Add(time.Second))
	create(t, ctx, e.Repo, notification.User(alice), "a2", t0.Add(2*time.Second))
	create(t, ctx, e.Repo, notification.User(bob), "b1", t0.Add(3*time.Second))
	if err := e.Repo.MarkRead(ctx, alice, all.ID(), t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	n, err := e.Repo.MarkAllRead(ctx, alice, t0.Add(time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("MarkAllRead = %d, %v; want 2", n, err)
	}
	if n, err := e.Repo.MarkAllRead(ctx, alice, t0.Add(2*time.Hour)); err != nil || n != 0 {
		t.Fatalf("MarkAllRead again = %d, %v; want 0", n, err)
	}
	items := list(t, ctx, e.Repo, alice, notification.Filter{})
	wantTitles(t, "alice", items, "a2*", "a1*", "all*")
	if !items[2].ReadAt.Equal(t0.Add(time.Minute)) || !items[0].ReadAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("read times %v, %v", items[0].ReadAt, items[2].ReadAt)
	}
	wantTitles(t, "bob", list(t, ctx, e.Repo, bob, notification.Filter{}), "b1", "all")
}

// testKeyset pages through alice's unread notifications while new ones arrive between
// pages: the walk returns exactly the unread ones that existed when it started.
func testKeyset(t *testing.T, e Env) {
	ctx := testCtx(t)
	alice, bob := e.NewUser(t), e.NewUser(t)
	var want []uuid.UUID
	for i := range 23 {
		to := notification.User(alice)
		if i%5 == 0 {
			to = notification.Everyone
		}
		n := create(t, ctx, e.Repo, to, "k", t0.Add(time.Duration(i)*time.Second))
		if i%4 == 1 {
			if err := e.Repo.MarkRead(ctx, alice, n.ID(), t0.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want = append([]uuid.UUID{n.ID()}, want...)
	}
	create(t, ctx, e.Repo, notification.User(bob), "not alice's", t0)
	const limit = 4
	var got []uuid.UUID
	page := kernel.Page{Limit: limit}
	for n := 0; ; n++ {
		items, err := e.Repo.List(ctx, alice, notification.Filter{Unread: true}, page)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) > limit+1 {
			t.Fatalf("page %d has %d items, want at most %d", n, len(items), limit+1)
		}
		more := len(items) > limit
		items = items[:min(len(items), limit)]
		for _, it := range items {
			got = append(got, it.Notification.ID())
		}
		if !more {
			break
		}
		page.After = items[len(items)-1].Notification.ID()
		create(t, ctx, e.Repo, notification.User(alice), "new", t0) // newer: before the cursor
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("walk returned %d ids, want %d:\n%v\n%v", len(got), len(want), got, want)
	}
}

func testTx(t *testing.T, e Env) {
	ctx := testCtx(t)
	alice := e.NewUser(t)
	kept := create(t, ctx, e.Repo, notification.User(alice), "kept", t0)
	err := e.Tx.Do(ctx, func(ctx context.Context) error {
		create(t, ctx, e.Repo, notification.User(alice), "lost", t0.Add(time.Second))
		if err := e.Repo.MarkRead(ctx, alice, kept.ID(), t0.Add(time.Hour)); err != nil {
			return err
		}
		wantTitles(t, "inside", list(t, ctx, e.Repo, alice, notification.Filter{}), "lost", "kept*")
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Do = %v, want fn's error", err)
	}
	wantTitles(t, "after rollback", list(t, ctx, e.Repo, alice, notification.Filter{}), "kept")
	err = e.Tx.Do(ctx, func(ctx context.Context) error {
		_, err := e.Repo.MarkAllRead(ctx, alice, t0.Add(time.Hour))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	wantTitles(t, "after commit", list(t, ctx, e.Repo, alice, notification.Filter{}), "kept*")
}

func testPurge(t *testing.T, e Env) {
	ctx := testCtx(t)
	alice, bob := e.NewUser(t), e.NewUser(t)
	cutoff := t0.Add(24 * time.Hour)
	old := create(t, ctx, e.Repo, notification.User(alice), "old read", t0)
	create(t, ctx, e.Repo, notification.User(alice), "old unread", t0.Add(time.Second))
	recent := create(t, ctx, e.Repo, notification.User(alice), "read late", t0.Add(2*time.Second))
	all := create(t, ctx, e.Repo, notification.Everyone, "all", t0.Add(3*time.Second))
	bobs := create(t, ctx, e.Repo, notification.User(bob), "bob read", t0.Add(4*time.Second))
	reads := []struct {
		reader, id uuid.UUID
		at         time.Time
	}{
		{alice, old.ID(), t0.Add(time.Hour)}, {alice, recent.ID(), cutoff},
		{alice, all.ID(), t0.Add(2 * time.Hour)}, {bob, bobs.ID(), t0.Add(3 * time.Hour)},
	}
	for _, r := range reads {
		if err := e.Repo.MarkRead(ctx, r.reader, r.id, r.at); err != nil {
			t.Fatal(err)
		}
	}
	n, err := e.Repo.PurgeRead(ctx, cutoff, 2)
	if err != nil || n != 2 {
		t.Fatalf("PurgeRead(limit 2) = %d, %v; want 2", n, err)
	}
	if n, err = e.Repo.PurgeRead(ctx, cutoff, 100); err != nil || n != 1 {
		t.Fatalf("PurgeRead then = %d, %v; want the 1 left", n, err)
	}
	if n, err = e.Repo.PurgeRead(ctx, cutoff, 100); err != nil || n != 0 {
		t.Fatalf("PurgeRead again = %d, %v; want 0", n, err)
	}
	wantTitles(t, "alice", list(t, ctx, e.Repo, alice, notification.Filter{}), "read late*", "old unread")
	wantTitles(t, "bob", list(t, ctx, e.Repo, bob, notification.Filter{}), "all")
	if err := e.Repo.MarkRead(ctx, alice, all.ID(), cutoff); !errors.Is(err, notification.ErrNotFound) {
		t.Errorf("MarkRead of a purged broadcast = %v, want ErrNotFound", err)
	}
	if n, err := e.Repo.MarkAllRead(ctx, alice, cutoff); err != nil || n != 1 {
		t.Errorf("MarkAllRead after purge = %d, %v; want 1 (old unread only)", n, err)
	}
}

// testDataNumbers stores numbers no float64 holds (as the API decodes them, json.Number)
// and wants them back digit for digit.
func testDataNumbers(t *testing.T, e Env) {
	ctx := testCtx(t)
	alice := e.NewUser(t)
	data := notification.Data{"big": json.Number("12345678901234567890123"), "fine": json.Number("0.10000000000000000555"),
		"nested": map[string]any{"n": json.Number("-9007199254740993")}}
	n := notification.New(notification.User(alice), notification.KindAdminMessage, "numbers", "body", data, t0)
	if err := e.Repo.Create(ctx, n); err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(list(t, ctx, e.Repo, alice, notification.Filter{})[0].Notification.Data())
	want := `{"big":12345678901234567890123,"fine":0.10000000000000000555,"nested":{"n":-9007199254740993}}`
	if err != nil || string(got) != want {
		t.Errorf("data read back as %s (%v), want %s", got, err, want)
	}
}
