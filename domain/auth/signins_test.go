package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/auth/authtest"
)

// loginFrom signs in from the client and fails the test on error.
func (e *env) loginFrom(t *testing.T, email, pw string, c auth.Client) {
	t.Helper()
	if _, _, err := e.svc.Login(context.Background(), email, pw, c); err != nil {
		t.Fatalf("login %s: %v", email, err)
	}
}

func kinds(ns []authtest.Notice) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.Kind + ":" + n.Device.UserAgent + "@" + n.Device.IP
	}
	return out
}

// A sign-in is announced when the account signed in before, but not from this user agent
// and IP pair in the last 90 days; the first sign-in ever is not announced.
func TestNewSignInNotice(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "ann@example.com", "password1")
	phone := auth.Client{UserAgent: "Phone/1", IP: "192.0.2.1"}
	laptop := auth.Client{UserAgent: "Laptop/2", IP: "192.0.2.1"}
	steps := []struct {
		name    string
		advance time.Duration
		client  auth.Client
		want    []string
	}{
		{"first sign-in ever", 0, phone, nil},
		{"same device", time.Hour, phone, nil},
		{"new user agent, same IP", time.Hour, laptop, []string{"new_sign_in:Laptop/2@192.0.2.1"}},
		{"same user agent, new IP", time.Hour, auth.Client{UserAgent: "Phone/1", IP: "198.51.100.7"}, []string{"new_sign_in:Phone/1@198.51.100.7"}},
		{"phone within 90 days", 89 * 24 * time.Hour, phone, nil},
		{"laptop after 90 days", 2 * 24 * time.Hour, laptop, []string{"new_sign_in:Laptop/2@192.0.2.1"}},
		{"laptop again", time.Minute, laptop, nil},
		{"control characters cleaned as in sessions", time.Minute, auth.Client{UserAgent: "Laptop/2\x00", IP: "192.0.2.1"}, nil},
	}
	for _, s := range steps {
		e.clock.Advance(s.advance)
		before := len(e.notices.Sent())
		e.loginFrom(t, "ann@example.com", "password1", s.client)
		got := kinds(e.notices.Sent()[before:])
		if len(got) != len(s.want) || (len(got) > 0 && got[0] != s.want[0]) {
			t.Fatalf("%s: notices %v, want %v", s.name, got, s.want)
		}
		for _, n := range e.notices.Sent()[before:] {
			if n.Account.ID != acc.ID || n.Account.Locale != acc.Locale {
				t.Errorf("%s: notice for %+v, want %+v", s.name, n.Account, acc)
			}
		}
	}
}

// The notice commits with the session: a sign-in that fails later writes neither.
func TestNewSignInNoticeRollsBack(t *testing.T) {
	e := newEnv(t)
	e.account(t, "ann@example.com", "password1")
	e.loginFrom(t, "ann@example.com", "password1", auth.Client{UserAgent: "A", IP: "192.0.2.1"})
	e.store.Fail = map[string]error{"CreateRefreshToken": errors.New("boom")}
	_, _, err := e.svc.Login(context.Background(), "ann@example.com", "password1", auth.Client{UserAgent: "B", IP: "192.0.2.1"})
	if err == nil {
		t.Fatal("login succeeded despite the store failing")
	}
	if n := e.notices.Sent(); len(n) != 0 {
		t.Errorf("notices after a failed sign-in: %v", n)
	}
	e.store.Fail = nil
	e.loginFrom(t, "ann@example.com", "password1", auth.Client{UserAgent: "B", IP: "192.0.2.1"})
	if n := kinds(e.notices.Sent()); len(n) != 1 || n[0] != "new_sign_in:B@192.0.2.1" {
		t.Errorf("notices = %v, want one for B (the failed attempt left no history)", n)
	}
}

// A password change and a reset each tell the account, in its transaction.
func TestPasswordChangedNotice(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "ann@example.com", "password1")
	pair := e.login(t, "ann@example.com", "password1")
	actor := signedIn(acc.ID)
	actor.SessionID = pair.SessionID
	if err := e.svc.ChangePassword(context.Background(), actor, "wrong password", "password2"); err == nil {
		t.Fatal("a wrong current password was accepted")
	}
	if n := e.notices.Sent(); len(n) != 0 {
		t.Fatalf("notices after a refused change: %v", n)
	}
	if err := e.svc.ChangePassword(context.Background(), actor, "password1", "password2"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ResetPassword(context.Background(), resetToken(t, e, acc), "password3"); err != nil {
		t.Fatal(err)
	}
	got := e.notices.Sent()
	if len(got) != 2 || got[0].Kind != "password_changed" || got[1].Kind != "password_changed" ||
		got[0].Account.ID != acc.ID || got[1].Account.ID != acc.ID {
		t.Errorf("notices = %+v, want password_changed twice for %s", got, acc.ID)
	}
}

// The history forgets devices last seen more than 90 days ago, but never an account's
// most recent one, in batches, idempotently.
func TestPurgeSignInHistory(t *testing.T) {
	e := newEnv(t)
	e.account(t, "ann@example.com", "password1")
	e.account(t, "bob@example.com", "password1")
	for i := range 3 {
		e.loginFrom(t, "ann@example.com", "password1", auth.Client{UserAgent: "old", IP: "192.0.2." + string(rune('1'+i))})
	}
	e.loginFrom(t, "bob@example.com", "password1", auth.Client{UserAgent: "only", IP: "192.0.2.9"})
	e.clock.Advance(80 * 24 * time.Hour)
	e.loginFrom(t, "ann@example.com", "password1", auth.Client{UserAgent: "recent", IP: "192.0.2.1"})
	e.clock.Advance(11 * 24 * time.Hour)
	n, err := e.svc.PurgeSignInHistory(context.Background())
	if err != nil || n != 3 {
		t.Fatalf("PurgeSignInHistory = %d, %v; want ann's 3 old devices", n, err)
	}
	if n, err := e.svc.PurgeSignInHistory(context.Background()); err != nil || n != 0 {
		t.Fatalf("again = %d, %v; want 0", n, err)
	}
	if len(e.signIns.Seen) != 2 {
		t.Errorf("history left %v, want ann's recent device and bob's only one", e.signIns.Seen)
	}
	before := len(e.notices.Sent())
	e.loginFrom(t, "bob@example.com", "password1", auth.Client{UserAgent: "new", IP: "192.0.2.9"})
	if got := kinds(e.notices.Sent()[before:]); len(got) != 1 {
		t.Errorf("bob, back after 91 days on a new device: notices %v, want one (not a first sign-in)", got)
	}
}
