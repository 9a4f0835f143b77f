package notices_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/keelhq/keel/adapters/memory"
	memaudit "github.com/keelhq/keel/adapters/memory/audit"
	memnotification "github.com/keelhq/keel/adapters/memory/notification"
	memuser "github.com/keelhq/keel/adapters/memory/user"
	"github.com/keelhq/keel/application/notices"
	"github.com/keelhq/keel/domain/audit/audittest"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/notification"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/ports"
	"github.com/keelhq/keel/ports/portstest"
)

var t0 = time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)

// texts renders "<kind>/<locale>" titles and bodies listing the data it got.
type texts struct{ fail bool }

func (x texts) Render(kind notification.Kind, locale kernel.Locale, data map[string]string) (string, string, error) {
	if x.fail {
		return "", "", notices.ErrUnknownKind
	}
	body := "body"
	for _, k := range []string{"UserAgent", "IP", "Role"} {
		if v, ok := data[k]; ok {
			body += " " + k + "=" + v
		}
	}
	return string(kind) + "/" + string(locale), body, nil
}

type fixture struct {
	notifier *notices.Notifier
	svc      *notification.Service
	users    *memuser.Repository
	events   *memory.Outbox
}

func newFixture(t *testing.T, x texts) *fixture {
	t.Helper()
	tx := memory.NewTx()
	f := &fixture{users: memuser.NewRepository(tx), events: memory.NewOutbox(tx)}
	clock := portstest.NewClock(t0)
	var err error
	f.svc, err = notification.NewService(memnotification.NewRepository(tx), &notices.Recipients{Repo: f.users}, tx,
		audittest.NewTrail(t, memaudit.NewRepository(tx), clock), f.events, clock)
	if err != nil {
		t.Fatal(err)
	}
	f.notifier = &notices.Notifier{Notifications: f.svc, Texts: x}
	return f
}

func (f *fixture) user(t *testing.T, email string, locale kernel.Locale) *user.User {
	t.Helper()
	u := user.New(kernel.Email(email), "N", locale, kernel.RoleUser, t0)
	if err := f.users.Create(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func (f *fixture) only(t *testing.T, u *user.User) notification.Record {
	t.Helper()
	items, _, err := f.svc.List(context.Background(), ports.Actor{UserID: u.ID()}, notification.Filter{}, kernel.Page{Limit: 10})
	if err != nil || len(items) != 1 {
		t.Fatalf("items = %v, %v; want one", items, err)
	}
	return items[0].Notification.Record()
}

// Each notice is rendered in the recipient's locale, with its data, for that account only.
func TestNotifier(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		locale kernel.Locale
		send   func(f *fixture, u *user.User) error
		want   notification.Record
	}{
		{"new sign-in", kernel.LocaleDE, func(f *fixture, u *user.User) error {
			return f.notifier.NewSignIn(ctx, auth.Account{ID: u.ID(), Locale: u.Locale()}, auth.Device{UserAgent: "UA/1", IP: "192.0.2.1"})
		}, notification.Record{Kind: "security.new_sign_in", Title: "security.new_sign_in/de", Body: "body UserAgent=UA/1 IP=192.0.2.1",
			Data: map[string]any{"userAgent": "UA/1", "ip": "192.0.2.1"}}},
		{"new sign-in, unknown device", kernel.LocaleEN, func(f *fixture, u *user.User) error {
			return f.notifier.NewSignIn(ctx, auth.Account{ID: u.ID(), Locale: u.Locale()}, auth.Device{})
		}, notification.Record{Kind: "security.new_sign_in", Title: "security.new_sign_in/en", Body: "body UserAgent=? IP=?",
			Data: map[string]any{"userAgent": "", "ip": ""}}},
		{"password changed", kernel.LocaleES, func(f *fixture, u *user.User) error {
			return f.notifier.PasswordChanged(ctx, auth.Account{ID: u.ID(), Locale: u.Locale()})
		}, notification.Record{Kind: "security.password_changed", Title: "security.password_changed/es", Body: "body", Data: map[string]any{}}},
		{"role changed", kernel.LocaleDE, func(f *fixture, u *user.User) error {
			u.SetRole(kernel.RoleAdmin, t0, kernel.Changes{})
			return f.notifier.RoleChanged(ctx, u)
		}, notification.Record{Kind: "account.role_changed", Title: "account.role_changed/de", Body: "body Role=admin",
			Data: map[string]any{"role": "admin"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, texts{})
			u, other := f.user(t, "u@example.com", tt.locale), f.user(t, "o@example.com", kernel.LocaleEN)
			if err := tt.send(f, u); err != nil {
				t.Fatal(err)
			}
			got := f.only(t, u)
			if got.Kind != tt.want.Kind || got.Title != tt.want.Title || got.Body != tt.want.Body || got.UserID != u.ID() ||
				len(got.Data) != len(tt.want.Data) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for k, v := range tt.want.Data {
				if got.Data[k] != v {
					t.Errorf("data %v, want %v", got.Data, tt.want.Data)
				}
			}
			items, _, _ := f.svc.List(ctx, ports.Actor{UserID: other.ID()}, notification.Filter{}, kernel.Page{Limit: 10})
			if len(items) != 0 || len(f.events.Events()) != 1 {
				t.Errorf("another account sees %d items; %d events", len(items), len(f.events.Events()))
			}
		})
	}
}

// A notice that cannot be rendered fails the change it belongs to.
func TestNotifierRenderFailure(t *testing.T) {
	f := newFixture(t, texts{fail: true})
	u := f.user(t, "u@example.com", kernel.LocaleEN)
	err := f.notifier.PasswordChanged(context.Background(), auth.Account{ID: u.ID(), Locale: u.Locale()})
	if !errors.Is(err, notices.ErrUnknownKind) {
		t.Errorf("err = %v", err)
	}
}

// Recipients: stored accounts exist until deleted.
func TestRecipients(t *testing.T) {
	f := newFixture(t, texts{})
	live := f.user(t, "live@example.com", kernel.LocaleEN)
	gone := f.user(t, "gone@example.com", kernel.LocaleEN)
	gone.Anonymise(t0, kernel.Changes{})
	if err := f.users.Update(context.Background(), gone); err != nil {
		t.Fatal(err)
	}
	r := &notices.Recipients{Repo: f.users}
	for _, c := range []struct {
		u    *user.User
		want bool
	}{{live, true}, {gone, false}, {user.New("x@example.com", "X", kernel.LocaleEN, kernel.RoleUser, t0), false}} {
		if got, err := r.Exists(context.Background(), c.u.ID()); err != nil || got != c.want {
			t.Errorf("Exists(%s) = %v, %v; want %v", c.u.Email(), got, err, c.want)
		}
	}
}
