package auth_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/ports"
)

// TestRevocationsPublishSessionRevoked: every way a session ends publishes one
// session.revoked event per revoked session, on the owner's topic, carrying the session's
// record as stored after the revocation; sessions that stay are not announced.
func TestRevocationsPublishSessionRevoked(t *testing.T) {
	type fixture struct {
		e      *env
		acc    auth.Account
		p1, p2 auth.TokenPair // two sessions of acc
	}
	actor := func(f fixture, p auth.TokenPair) ports.Actor {
		return ports.Actor{UserID: f.acc.ID, SessionID: p.SessionID, Role: kernel.RoleUser}
	}
	tests := []struct {
		name   string
		act    func(t *testing.T, f fixture)
		wantOf func(f fixture) []uuid.UUID // the sessions revoked
		reason string
	}{
		{"logout", func(t *testing.T, f fixture) {
			if err := f.e.svc.Logout(context.Background(), actor(f, f.p1)); err != nil {
				t.Fatal(err)
			}
		}, func(f fixture) []uuid.UUID { return []uuid.UUID{f.p1.SessionID} }, "logout"},
		{"logout all", func(t *testing.T, f fixture) {
			if err := f.e.svc.LogoutAll(context.Background(), actor(f, f.p1)); err != nil {
				t.Fatal(err)
			}
		}, func(f fixture) []uuid.UUID { return []uuid.UUID{f.p1.SessionID, f.p2.SessionID} }, "logout_all"},
		{"revoke one", func(t *testing.T, f fixture) {
			if err := f.e.svc.RevokeSession(context.Background(), actor(f, f.p1), f.p2.SessionID); err != nil {
				t.Fatal(err)
			}
		}, func(f fixture) []uuid.UUID { return []uuid.UUID{f.p2.SessionID} }, "revoked"},
		{"password change", func(t *testing.T, f fixture) {
			if err := f.e.svc.ChangePassword(context.Background(), actor(f, f.p1), "correct horse", "new password"); err != nil {
				t.Fatal(err)
			}
		}, func(f fixture) []uuid.UUID { return []uuid.UUID{f.p2.SessionID} }, "password_changed"},
		{"password reset", func(t *testing.T, f fixture) {
			if err := f.e.svc.ResetPassword(context.Background(), resetToken(t, f.e, f.acc), "new password"); err != nil {
				t.Fatal(err)
			}
		}, func(f fixture) []uuid.UUID { return []uuid.UUID{f.p1.SessionID, f.p2.SessionID} }, "password_reset"},
		{"refresh token reuse", func(t *testing.T, f fixture) {
			if _, err := refresh(f.e, f.p2.RefreshToken); err != nil {
				t.Fatal(err)
			}
			if _, err := refresh(f.e, f.p2.RefreshToken); err == nil {
				t.Fatal("a spent refresh token was accepted")
			}
		}, func(f fixture) []uuid.UUID { return []uuid.UUID{f.p2.SessionID} }, "refresh_token_reused"},
		{"account disabled", func(t *testing.T, f fixture) {
			if err := f.e.tx.Do(context.Background(), func(ctx context.Context) error {
				return f.e.svc.RevokeSessions(ctx, f.acc.ID, "account_disabled")
			}); err != nil {
				t.Fatal(err)
			}
		}, func(f fixture) []uuid.UUID { return []uuid.UUID{f.p1.SessionID, f.p2.SessionID} }, "account_disabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			f := fixture{e: e, acc: e.account(t, "ann@example.com", "correct horse")}
			e.account(t, "bob@example.com", "correct horse")
			bob := e.login(t, "bob@example.com", "correct horse")
			f.p1 = e.login(t, "ann@example.com", "correct horse")
			f.p2 = e.login(t, "ann@example.com", "correct horse")
			e.clock.Advance(time.Minute)
			if n := len(e.events.Events()); n != 0 {
				t.Fatalf("signing in published %v", e.events.Names())
			}

			tt.act(t, f)

			got := e.revokedEvents(t)
			var ids []uuid.UUID
			for _, rec := range got {
				ids = append(ids, rec.ID)
				if rec != e.store.Session(rec.ID) {
					t.Errorf("event record %+v, stored %+v", rec, e.store.Session(rec.ID))
				}
				if rec.UserID != f.acc.ID || rec.RevokeReason != tt.reason || !rec.RevokedAt.Equal(e.clock.Now()) {
					t.Errorf("event record %+v, want revoked now for %q", rec, tt.reason)
				}
			}
			if want := tt.wantOf(f); !slices.Equal(sortedIDs(ids), sortedIDs(want)) {
				t.Errorf("session.revoked for %v, want %v", ids, want)
			}
			if slices.Contains(ids, bob.SessionID) {
				t.Error("another user's session was announced")
			}
			for _, ev := range e.events.Events() {
				if ev.EventTopic() != "user:"+f.acc.ID.String() || ev.EventName() != "session.revoked" {
					t.Errorf("event %s on topic %s", ev.EventName(), ev.EventTopic())
				}
			}
		})
	}
}

// TestRolledBackRevocationPublishesNothing: the event is written with the change, so a
// revocation that rolls back leaves no event in the outbox.
func TestRolledBackRevocationPublishesNothing(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "ann@example.com", "correct horse")
	e.login(t, "ann@example.com", "correct horse")
	pair := e.login(t, "ann@example.com", "correct horse")
	e.audit.Fail(errBoom)
	if err := e.svc.LogoutAll(context.Background(), ports.Actor{UserID: acc.ID, SessionID: pair.SessionID}); err == nil {
		t.Fatal("LogoutAll succeeded with the audit trail down")
	}
	if len(e.events.Events()) != 0 {
		t.Errorf("a rolled-back revocation published %v", e.events.Names())
	}
}

func TestEventTopic(t *testing.T) {
	id := kernel.NewID()
	ev := auth.Event{Name: auth.EventSessionRevoked, Session: auth.SessionRecord{ID: kernel.NewID(), UserID: id}}
	if ev.EventName() != "session.revoked" || ev.EventTopic() != "user:"+id.String() {
		t.Errorf("event name %q, topic %q", ev.EventName(), ev.EventTopic())
	}
}

// Erasing a deleted account's credentials announces each of its active sessions as
// revoked, as disabling it does, although the sessions themselves are deleted.
func TestEraseCredentialsPublishesRevokedSessions(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "ann@example.com", "correct horse")
	p1 := e.login(t, "ann@example.com", "correct horse")
	p2 := e.login(t, "ann@example.com", "correct horse")
	if err := e.tx.Do(context.Background(), func(ctx context.Context) error {
		return e.svc.EraseCredentials(ctx, acc.ID)
	}); err != nil {
		t.Fatal(err)
	}
	var ids []uuid.UUID
	for _, rec := range e.revokedEvents(t) {
		ids = append(ids, rec.ID)
		if rec.UserID != acc.ID || rec.RevokeReason != "account_deleted" || !rec.RevokedAt.Equal(e.clock.Now()) {
			t.Errorf("event record %+v", rec)
		}
	}
	if want := []uuid.UUID{p1.SessionID, p2.SessionID}; !slices.Equal(sortedIDs(ids), sortedIDs(want)) {
		t.Errorf("session.revoked for %v, want %v", ids, want)
	}
}
