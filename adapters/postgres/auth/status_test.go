package auth

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
)

func TestSessionState(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const idle = time.Hour
	status := NewSessionStatus(f.db, idle)
	// Times are relative to the real clock: SessionState compares with the database's now().
	now := kernel.Timestamp(time.Now())
	user := f.user(t, kernel.RoleUser, "active")
	admin := f.userIn(t, kernel.RoleAdmin, "active", kernel.LocaleDE)
	disabled := f.user(t, kernel.RoleUser, "disabled")
	never := time.Time{}

	tests := []struct {
		name string
		id   uuid.UUID
		want auth.SessionState
	}{
		{"active", f.session(t, user, now.Add(-time.Minute), now.Add(time.Hour), never).ID(),
			auth.SessionState{UserID: user, Active: true, Role: kernel.RoleUser, Locale: kernel.LocaleEN}},
		{"admin", f.session(t, admin, now.Add(-time.Minute), now.Add(time.Hour), never).ID(),
			auth.SessionState{UserID: admin, Active: true, Role: kernel.RoleAdmin, Locale: kernel.LocaleDE}},
		{"revoked", f.session(t, user, now.Add(-time.Minute), now.Add(time.Hour), now.Add(-time.Second)).ID(),
			auth.SessionState{UserID: user, Role: kernel.RoleUser, Locale: kernel.LocaleEN}},
		{"expired", f.session(t, admin, now.Add(-2*time.Minute), now.Add(-time.Minute), never).ID(),
			auth.SessionState{UserID: admin, Role: kernel.RoleAdmin, Locale: kernel.LocaleDE}},
		{"idle", f.session(t, user, now.Add(-idle-time.Minute), now.Add(time.Hour), never).ID(),
			auth.SessionState{UserID: user, Role: kernel.RoleUser, Locale: kernel.LocaleEN}},
		{"account disabled", f.session(t, disabled, now.Add(-time.Minute), now.Add(time.Hour), never).ID(),
			auth.SessionState{UserID: disabled, Role: kernel.RoleUser, Locale: kernel.LocaleEN}},
		{"unknown", kernel.NewID(), auth.SessionState{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := status.SessionState(f.ctx, tt.id)
			if err != nil || got != tt.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

// TestSessionStateIdleFollowsTouch checks that a refresh (TouchSession) revives the idle
// clock and that the configured idle time, not a fixed one, applies.
func TestSessionStateIdleFollowsTouch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	now := kernel.Timestamp(time.Now())
	s := f.session(t, f.user(t, kernel.RoleUser, "active"), now.Add(-10*time.Minute), now.Add(time.Hour), time.Time{})
	short, long := NewSessionStatus(f.db, 5*time.Minute), NewSessionStatus(f.db, 15*time.Minute)
	check := func(st *SessionStatus, want bool) {
		t.Helper()
		if got, err := st.SessionState(f.ctx, s.ID()); err != nil || got.Active != want {
			t.Errorf("active = %v, %v; want %v", got.Active, err, want)
		}
	}
	check(short, false)
	check(long, true)
	if err := f.store.TouchSession(f.ctx, s.ID(), now); err != nil {
		t.Fatal(err)
	}
	check(short, true)
}
