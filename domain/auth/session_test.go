package auth_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
)

func TestRestoreSession(t *testing.T) {
	valid := auth.SessionRecord{
		ID: kernel.NewID(), UserID: kernel.NewID(), UserAgent: "ua", IP: "192.0.2.1",
		CreatedAt: t0, LastUsedAt: t0, ExpiresAt: t0.Add(time.Hour),
	}
	s, err := auth.RestoreSession(valid)
	if err != nil || s.Record() != valid || s.ID() != valid.ID || s.UserID() != valid.UserID {
		t.Fatalf("RestoreSession = %+v, %v", s, err)
	}
	for name, broken := range map[string]func(*auth.SessionRecord){
		"no id":               func(r *auth.SessionRecord) { r.ID = uuid.Nil },
		"no user":             func(r *auth.SessionRecord) { r.UserID = uuid.Nil },
		"no creation":         func(r *auth.SessionRecord) { r.CreatedAt = time.Time{} },
		"expires before born": func(r *auth.SessionRecord) { r.ExpiresAt = t0.Add(-time.Second) },
	} {
		rec := valid
		broken(&rec)
		if s, err := auth.RestoreSession(rec); err == nil || s != nil {
			t.Errorf("%s: RestoreSession = %+v, %v; want an error", name, s, err)
		}
	}
}

func TestSessionRevokeKeepsTheFirstRevocation(t *testing.T) {
	s, err := auth.RestoreSession(auth.SessionRecord{
		ID: kernel.NewID(), UserID: kernel.NewID(), CreatedAt: t0, LastUsedAt: t0, ExpiresAt: t0.Add(time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Active(t0, time.Hour) {
		t.Fatal("a fresh session is not active")
	}
	s.Revoke("logout", t0.Add(time.Minute))
	s.Revoke("logout_all", t0.Add(2*time.Minute))
	if r := s.Record(); r.RevokeReason != "logout" || !r.RevokedAt.Equal(t0.Add(time.Minute)) || s.Active(t0.Add(time.Minute), time.Hour) {
		t.Errorf("after two revocations: %+v", r)
	}
}
