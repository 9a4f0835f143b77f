package user_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/kernel/kerneltest"
	"github.com/keelhq/keel/domain/user"
)

func TestAdminUpdateValidation(t *testing.T) {
	e := newEnv(t)
	u := e.seed(t, "a@example.com", kernel.RoleUser)
	_, err := e.svc.AdminUpdate(context.Background(), anAdmin(), u.ID(), user.AdminChange{
		Role: ptr("root"), Status: ptr("banned"), Name: ptr(""),
	})
	codes := kerneltest.FieldCodes(t, err)
	want := map[string]string{"role": "invalid_role", "status": "invalid_status", "name": "validation_required"}
	if len(codes) != len(want) {
		t.Fatalf("errors = %v, want %v", codes, want)
	}
	for f, c := range want {
		if codes[f] != c {
			t.Errorf("errors[%q] = %q, want %q", f, codes[f], c)
		}
	}
	if e.tx.Commits()+e.tx.Rollbacks() != 0 {
		t.Error("invalid input reached the transaction")
	}
}

func TestAdminUpdate(t *testing.T) {
	tests := []struct {
		name        string
		startRole   kernel.Role
		disabled    bool
		in          user.AdminChange
		wantChanges []string
		wantAccess  []string
	}{
		{"rename", kernel.RoleUser, false, user.AdminChange{Name: ptr("Renamed")}, []string{"name"}, nil},
		{"promote", kernel.RoleUser, false, user.AdminChange{Role: ptr("admin")}, []string{"role"}, []string{"SessionsChanged"}},
		{"disable", kernel.RoleUser, false, user.AdminChange{Status: ptr("disabled")}, []string{"status"}, []string{"RevokeSessions"}},
		{"disable and promote", kernel.RoleUser, false, user.AdminChange{Status: ptr("disabled"), Role: ptr("admin")},
			[]string{"role", "status"}, []string{"RevokeSessions"}},
		{"enable", kernel.RoleUser, true, user.AdminChange{Status: ptr("active")}, []string{"status"}, nil},
		{"same values", kernel.RoleUser, false, user.AdminChange{Status: ptr("active"), Role: ptr("user"), Name: ptr("Test User")}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.seed(t, "admin@example.com", kernel.RoleAdmin)
			var u *user.User
			if tt.disabled {
				u = e.seedDisabled(t, "a@example.com", tt.startRole)
			} else {
				u = e.seed(t, "a@example.com", tt.startRole)
			}
			e.clock.Set(t0.Add(time.Hour))
			got, err := e.svc.AdminUpdate(context.Background(), anAdmin(), u.ID(), tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if rec := e.repo.record(t, u.ID()); rec != got.Record() {
				t.Errorf("stored %+v, returned %+v", rec, got.Record())
			}
			var methods []string
			for _, c := range e.access.calls {
				methods = append(methods, c.Method)
				if c.UserID != u.ID() {
					t.Errorf("access call %+v for another user", c)
				}
				if c.Method == "RevokeSessions" && c.Reason != "account_disabled" {
					t.Errorf("revoke reason %q, want account_disabled", c.Reason)
				}
			}
			if !slices.Equal(methods, tt.wantAccess) {
				t.Errorf("access calls %v, want %v", methods, tt.wantAccess)
			}
			if tt.wantChanges == nil {
				if len(e.audit.Items()) != 0 || e.repo.updates != 0 || len(e.events.Items()) != 0 {
					t.Errorf("no-op update wrote: audit %v, updates %d", e.audit.Items(), e.repo.updates)
				}
				return
			}
			if len(e.audit.Items()) != 1 || len(e.events.Items()) != 1 || e.events.Items()[0].Name != "user.updated" {
				t.Fatalf("audit %+v, events %+v", e.audit.Items(), e.events.Items())
			}
			var fields []string
			for f := range e.audit.Items()[0].Changes {
				fields = append(fields, f)
			}
			slices.Sort(fields)
			if !slices.Equal(fields, tt.wantChanges) {
				t.Errorf("changed fields %v, want %v", fields, tt.wantChanges)
			}
		})
	}
}

func TestAdminUpdateLastAdmin(t *testing.T) {
	for name, in := range map[string]user.AdminChange{
		"demote":  {Role: ptr("user")},
		"disable": {Status: ptr("disabled")},
		"both":    {Role: ptr("user"), Status: ptr("disabled")},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			admin := e.seed(t, "admin@example.com", kernel.RoleAdmin)
			e.seedDisabled(t, "old-admin@example.com", kernel.RoleAdmin) // disabled admins do not count
			e.seed(t, "user@example.com", kernel.RoleUser)
			before := e.repo.record(t, admin.ID())

			got, err := e.svc.AdminUpdate(context.Background(), anAdmin(), admin.ID(), in)
			if !errors.Is(err, user.ErrLastAdmin) || got != nil {
				t.Fatalf("AdminUpdate = %v, %v; want ErrLastAdmin", got, err)
			}
			if rec := e.repo.record(t, admin.ID()); rec != before {
				t.Errorf("stored %+v, want unchanged %+v", rec, before)
			}
			if e.repo.updates != 0 || len(e.audit.Items()) != 0 || len(e.events.Items()) != 0 || len(e.access.calls) != 0 {
				t.Errorf("a refused change left traces: updates %d, audit %v, events %v, access %v",
					e.repo.updates, e.audit.Items(), e.events.Items(), e.access.calls)
			}
		})
	}
}

func TestAdminUpdateWithAnotherAdmin(t *testing.T) {
	e := newEnv(t)
	a1 := e.seed(t, "a1@example.com", kernel.RoleAdmin)
	a2 := e.seed(t, "a2@example.com", kernel.RoleAdmin)
	if _, err := e.svc.AdminUpdate(context.Background(), anAdmin(), a1.ID(), user.AdminChange{Role: ptr("user")}); err != nil {
		t.Fatalf("demoting one of two admins: %v", err)
	}
	if rec := e.repo.record(t, a1.ID()); rec.Role != "user" {
		t.Errorf("role = %q, want user", rec.Role)
	}
	if _, err := e.svc.AdminUpdate(context.Background(), anAdmin(), a2.ID(), user.AdminChange{Status: ptr("disabled")}); !errors.Is(err, user.ErrLastAdmin) {
		t.Fatalf("disabling the remaining admin: %v, want ErrLastAdmin", err)
	}
	if _, err := e.svc.AdminUpdate(context.Background(), anAdmin(), a2.ID(), user.AdminChange{Name: ptr("Still admin")}); err != nil {
		t.Fatalf("renaming the last admin: %v", err)
	}
}

func TestAdminUpdateAccessFailureRollsBack(t *testing.T) {
	e := newEnv(t)
	u := e.seed(t, "a@example.com", kernel.RoleUser)
	e.access.err = errors.New("store down")
	if _, err := e.svc.AdminUpdate(context.Background(), anAdmin(), u.ID(), user.AdminChange{Status: ptr("disabled")}); !errors.Is(err, e.access.err) {
		t.Fatalf("error = %v", err)
	}
	if rec := e.repo.record(t, u.ID()); rec.Status != "active" || len(e.audit.Items()) != 0 {
		t.Errorf("after rollback: %+v, audit %v", rec, e.audit.Items())
	}
}

func TestDelete(t *testing.T) {
	e := newEnv(t)
	u := e.seed(t, "gone@example.com", kernel.RoleUser)
	e.clock.Set(t0.Add(time.Hour))
	if err := e.svc.Delete(context.Background(), anAdmin(), u.ID()); err != nil {
		t.Fatal(err)
	}
	rec := e.repo.record(t, u.ID())
	wantEmail := "deleted-" + u.ID().String() + "@invalid"
	if rec.Email != wantEmail || rec.Name != "Deleted user" || rec.Status != "disabled" || rec.ID != u.ID() {
		t.Errorf("stored %+v", rec)
	}
	if len(e.access.calls) != 1 || e.access.calls[0] != (accessCall{Method: "EraseCredentials", UserID: u.ID()}) {
		t.Errorf("access calls %+v, want EraseCredentials", e.access.calls)
	}
	if len(e.audit.Items()) != 1 {
		t.Fatalf("audit = %+v", e.audit.Items())
	}
	a := e.audit.Items()[0]
	if a.Action != "user.deleted" || a.EntityID != u.ID().String() {
		t.Errorf("audit record = %+v", a)
	}
	if _, kept := a.Changes["email"]; kept || a.Changes["status"] != (kernel.Change{From: "active", To: "disabled"}) {
		t.Errorf("changes = %v", a.Changes)
	}
	if len(e.events.Items()) != 1 || e.events.Items()[0].Name != "user.deleted" {
		t.Errorf("events = %+v", e.events.Items())
	}
	if p := e.events.Items()[0].User; p.Email != wantEmail || p.Name != "Deleted user" {
		t.Errorf("event payload leaks personal data: %+v", p)
	}
	if _, err := e.repo.ByEmail(context.Background(), "gone@example.com"); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("old address still resolves: %v", err)
	}
}

// A deleted account can be read, never changed: not re-activated, promoted or renamed (it
// would then count as the last active administrator, although nobody can sign in to it),
// nor deleted again.
func TestDeletedAccountIsNeverChanged(t *testing.T) {
	e := newEnv(t)
	u := e.seed(t, "gone@example.com", kernel.RoleUser)
	if err := e.svc.Delete(context.Background(), anAdmin(), u.ID()); err != nil {
		t.Fatal(err)
	}
	before, audits, events := e.repo.record(t, u.ID()), len(e.audit.Items()), len(e.events.Items())
	for name, in := range map[string]user.AdminChange{
		"re-activate": {Status: ptr("active")},
		"promote":     {Role: ptr("admin")},
		"rename":      {Name: ptr("Back again")},
	} {
		if _, err := e.svc.AdminUpdate(context.Background(), anAdmin(), u.ID(), in); !errors.Is(err, user.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}
	if err := e.svc.Delete(context.Background(), anAdmin(), u.ID()); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
	if err := e.svc.VerifyEmail(context.Background(), u.ID()); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("verify: %v, want ErrNotFound", err)
	}
	if got, err := e.svc.Get(context.Background(), anAdmin(), u.ID()); err != nil || !got.Deleted() {
		t.Errorf("read after delete: %v, %v", got, err)
	}
	if e.repo.record(t, u.ID()) != before || len(e.audit.Items()) != audits || len(e.events.Items()) != events {
		t.Errorf("a refused change left traces")
	}
}

func TestDeleteLastAdmin(t *testing.T) {
	e := newEnv(t)
	admin := e.seed(t, "admin@example.com", kernel.RoleAdmin)
	before := e.repo.record(t, admin.ID())
	if err := e.svc.Delete(context.Background(), anAdmin(), admin.ID()); !errors.Is(err, user.ErrLastAdmin) {
		t.Fatalf("error = %v, want ErrLastAdmin", err)
	}
	if e.repo.record(t, admin.ID()) != before || len(e.access.calls) != 0 || len(e.audit.Items()) != 0 {
		t.Errorf("refused deletion left traces: access %v, audit %v", e.access.calls, e.audit.Items())
	}

	other := e.seed(t, "admin2@example.com", kernel.RoleAdmin)
	if err := e.svc.Delete(context.Background(), anAdmin(), other.ID()); err != nil {
		t.Fatalf("deleting one of two admins: %v", err)
	}
}

func TestDeleteDisabledAdmin(t *testing.T) {
	e := newEnv(t)
	e.seed(t, "admin@example.com", kernel.RoleAdmin)
	old := e.seedDisabled(t, "old@example.com", kernel.RoleAdmin)
	if err := e.svc.Delete(context.Background(), anAdmin(), old.ID()); err != nil {
		t.Fatalf("deleting a disabled admin: %v", err)
	}
}

func TestDeleteUnknown(t *testing.T) {
	e := newEnv(t)
	if err := e.svc.Delete(context.Background(), anAdmin(), kernel.NewID()); !errors.Is(err, user.ErrNotFound) {
		t.Fatalf("error = %v, want ErrNotFound", err)
	}
}
