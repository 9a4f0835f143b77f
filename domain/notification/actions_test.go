package notification_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/memory"
	memaudit "github.com/keelhq/keel/adapters/memory/audit"
	memnotification "github.com/keelhq/keel/adapters/memory/notification"
	"github.com/keelhq/keel/domain/audit/audittest"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/kernel/kerneltest"
	"github.com/keelhq/keel/domain/notification"
	"github.com/keelhq/keel/ports"
	"github.com/keelhq/keel/ports/portstest"
)

var t0 = time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)

// recipients is a notification.Recipients over a set of ids.
type recipients map[uuid.UUID]bool

func (r recipients) Exists(_ context.Context, id uuid.UUID) (bool, error) { return r[id], nil }

// env is a notification.Service over the in-memory adapters.
type env struct {
	svc    *notification.Service
	repo   *memnotification.Repository
	tx     *memory.Tx
	audit  *audittest.Trail
	events *memory.Outbox
	clock  *portstest.Clock
	known  recipients
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{tx: memory.NewTx(), clock: portstest.NewClock(t0), known: recipients{}}
	e.repo = memnotification.NewRepository(e.tx)
	e.events = memory.NewOutbox(e.tx)
	e.audit = audittest.NewTrail(t, memaudit.NewRepository(e.tx), e.clock)
	var err error
	if e.svc, err = notification.NewService(e.repo, e.known, e.tx, e.audit, e.events, e.clock); err != nil {
		t.Fatal(err)
	}
	return e
}

// user is a known account's actor.
func (e *env) user() ports.Actor {
	a := ports.Actor{UserID: kernel.NewID(), SessionID: kernel.NewID(), Role: kernel.RoleUser}
	e.known[a.UserID] = true
	return a
}

var admin = ports.Actor{UserID: kernel.NewID(), SessionID: kernel.NewID(), Role: kernel.RoleAdmin}

func msg(to string) notification.Message {
	return notification.Message{To: to, Kind: "admin.message", Title: "Hi", Body: "There", Data: map[string]any{"k": 1}}
}

func TestNotify(t *testing.T) {
	e := newEnv(t)
	alice := e.user()
	n, err := e.svc.Notify(context.Background(), admin, msg(alice.UserID.String()))
	if err != nil {
		t.Fatal(err)
	}
	if n.Kind() != notification.KindAdminMessage || n.Title() != "Hi" || n.Recipient().UserID() != alice.UserID {
		t.Fatalf("sent %+v", n.Record())
	}
	all, err := e.svc.Notify(context.Background(), admin, msg("all"))
	if err != nil || !all.Recipient().Broadcast() {
		t.Fatalf("broadcast %v, %v", all, err)
	}
	evs := e.events.Events()
	if len(evs) != 2 || evs[0].EventName() != "notification.created" || evs[0].EventTopic() != "user:"+alice.UserID.String() ||
		evs[1].EventTopic() != "broadcast" || evs[0].(notification.Event).Notification.ID != n.ID() {
		t.Fatalf("events %v", evs)
	}
	entries := e.audit.Items()
	if len(entries) != 2 || entries[0].Action != "notification.sent" || entries[0].EntityID != n.ID().String() ||
		entries[0].Changes["recipient"].To != alice.UserID.String() || entries[1].Changes["recipient"].To != "all" {
		t.Fatalf("audit %+v", entries)
	}
}

func TestNotifyRefusals(t *testing.T) {
	e := newEnv(t)
	alice := e.user()
	bad := msg("all")
	bad.Kind, bad.Title, bad.Body = "security.new_sign_in", "", ""
	tests := []struct {
		name  string
		actor ports.Actor
		in    notification.Message
		want  error
		codes map[string]string
	}{
		{"a user", alice, msg("all"), notification.ErrForbidden, nil},
		{"nobody", ports.Actor{}, msg("all"), notification.ErrForbidden, nil},
		{"unknown account", admin, msg(kernel.NewID().String()), notification.ErrUnknownRecipient, nil},
		{"invalid fields", admin, bad, nil, map[string]string{"kind": "invalid_kind", "title": "validation_required", "body": "validation_required"}},
		{"invalid recipient", admin, msg("everyone"), nil, map[string]string{"user_id": "invalid_recipient"}},
	}
	for _, tt := range tests {
		_, err := e.svc.Notify(context.Background(), tt.actor, tt.in)
		if tt.codes != nil {
			got := kerneltest.FieldCodes(t, err)
			if len(got) != len(tt.codes) {
				t.Errorf("%s: fields %v, want %v", tt.name, got, tt.codes)
			}
			for k, v := range tt.codes {
				if got[k] != v {
					t.Errorf("%s: fields %v, want %v", tt.name, got, tt.codes)
				}
			}
		} else if !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	if len(e.events.Events()) != 0 || len(e.audit.Items()) != 0 {
		t.Errorf("refusals left events %v or audit %v", e.events.Events(), e.audit.Items())
	}
	items, _ := e.repo.List(context.Background(), alice.UserID, notification.Filter{}, kernel.Page{Limit: 10})
	if len(items) != 0 {
		t.Errorf("refusals stored %d notifications", len(items))
	}
}

// A failing audit trail rolls the notification and its event back.
func TestNotifyRollsBack(t *testing.T) {
	e := newEnv(t)
	alice := e.user()
	e.audit.Fail(errors.New("boom"))
	if _, err := e.svc.Notify(context.Background(), admin, msg(alice.UserID.String())); err == nil {
		t.Fatal("Notify succeeded with the trail down")
	}
	items, _, _ := e.svc.List(context.Background(), alice, notification.Filter{}, kernel.Page{Limit: 10})
	if len(items) != 0 || len(e.events.Events()) != 0 {
		t.Errorf("after rollback: %d items, events %v", len(items), e.events.Events())
	}
}

func TestSend(t *testing.T) {
	e := newEnv(t)
	alice := e.user()
	n, err := e.svc.Send(context.Background(), notification.User(alice.UserID), notification.KindPasswordChanged, "Titel", "Text", nil)
	if err != nil || n.Kind() != notification.KindPasswordChanged {
		t.Fatalf("Send = %v, %v", n, err)
	}
	if len(e.audit.Items()) != 0 || len(e.events.Events()) != 1 {
		t.Errorf("Send: audit %v (the caller audits its change), events %v", e.audit.Items(), e.events.Events())
	}
	if _, err := e.svc.Send(context.Background(), notification.User(alice.UserID), notification.KindPasswordChanged, "", "Text", nil); err == nil {
		t.Error("Send accepted an empty title")
	}
}

func TestReadActions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	alice, bob := e.user(), e.user()
	mine, _ := e.svc.Notify(ctx, admin, msg(alice.UserID.String()))
	e.svc.Notify(ctx, admin, msg("all"))
	if err := e.svc.MarkRead(ctx, bob, mine.ID()); !errors.Is(err, notification.ErrNotFound) {
		t.Errorf("bob reads alice's: %v", err)
	}
	if err := e.svc.MarkRead(ctx, ports.Actor{}, mine.ID()); !errors.Is(err, notification.ErrForbidden) {
		t.Errorf("nobody reads: %v", err)
	}
	if err := e.svc.MarkRead(ctx, alice, mine.ID()); err != nil {
		t.Fatal(err)
	}
	items, more, err := e.svc.List(ctx, alice, notification.Filter{Unread: true}, kernel.Page{Limit: 1})
	if err != nil || len(items) != 1 || more || !items[0].Notification.Recipient().Broadcast() {
		t.Fatalf("alice unread = %v, %v, %v", items, more, err)
	}
	if err := e.svc.MarkAllRead(ctx, alice); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.MarkAllRead(ctx, alice); err != nil {
		t.Fatal(err)
	}
	if got := e.audit.Actions(); len(got) != 4 || got[2] != "notification.read" || got[3] != "notification.read_all" {
		t.Errorf("audit actions %v: want two sends, one read, one read-all (nothing when nothing changed)", got)
	}
	if _, _, err := e.svc.List(ctx, ports.Actor{}, notification.Filter{}, kernel.Page{Limit: 1}); !errors.Is(err, notification.ErrForbidden) {
		t.Errorf("nobody lists: %v", err)
	}
}

// PurgeRead removes what was read more than the age ago, over several batches, and
// nothing else; run again, it removes nothing.
func TestPurgeRead(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	alice, bob := e.user(), e.user()
	const n = 2*notification.PurgeBatch + 7
	for range n {
		m, err := e.svc.Send(ctx, notification.User(alice.UserID), notification.KindAdminMessage, "old", "b", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.repo.MarkRead(ctx, alice.UserID, m.ID(), t0); err != nil {
			t.Fatal(err)
		}
	}
	all, _ := e.svc.Send(ctx, notification.Everyone, notification.KindAdminMessage, "all", "b", nil)
	_ = e.repo.MarkRead(ctx, alice.UserID, all.ID(), t0)
	unread, _ := e.svc.Send(ctx, notification.User(alice.UserID), notification.KindAdminMessage, "unread", "b", nil)
	e.clock.Advance(29 * 24 * time.Hour)
	late, _ := e.svc.Send(ctx, notification.User(alice.UserID), notification.KindAdminMessage, "late", "b", nil)
	_ = e.repo.MarkRead(ctx, alice.UserID, late.ID(), e.clock.Now())
	e.clock.Advance(2 * 24 * time.Hour)

	removed, err := e.svc.PurgeRead(ctx, 30*24*time.Hour)
	if err != nil || removed != n+1 {
		t.Fatalf("PurgeRead = %d, %v; want %d", removed, err, n+1)
	}
	if removed, err := e.svc.PurgeRead(ctx, 30*24*time.Hour); err != nil || removed != 0 {
		t.Fatalf("PurgeRead again = %d, %v", removed, err)
	}
	items, _, _ := e.svc.List(ctx, alice, notification.Filter{}, kernel.Page{Limit: 100})
	if len(items) != 2 || items[0].Notification.ID() != late.ID() || items[1].Notification.ID() != unread.ID() {
		t.Errorf("alice keeps %d items, want late and unread", len(items))
	}
	items, _, _ = e.svc.List(ctx, bob, notification.Filter{}, kernel.Page{Limit: 100})
	if len(items) != 1 || items[0].Notification.ID() != all.ID() || items[0].Read() {
		t.Errorf("bob keeps %v, want the broadcast, unread", items)
	}
	if _, err := e.svc.PurgeRead(ctx, 0); err == nil {
		t.Error("PurgeRead accepted a zero age")
	}
}
