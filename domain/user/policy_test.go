package user_test

import (
	"context"
	"errors"
	"testing"

	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/kernel/kerneltest"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/ports"
)

// TestPolicyRefusesOtherActors: each admin-only or self-only action refuses an actor it
// does not serve with ErrForbidden, before it touches the repository, the transaction, the
// trail, the outbox or auth.
func TestPolicyRefusesOtherActors(t *testing.T) {
	member := ports.Actor{UserID: kernel.NewID(), SessionID: kernel.NewID(), Role: kernel.RoleUser}
	zero := ports.Actor{}
	adminWithoutUser := ports.Actor{Role: kernel.RoleAdmin}
	type call func(e *env, actor ports.Actor, target *user.User) error
	var (
		get = func(e *env, a ports.Actor, u *user.User) error {
			_, err := e.svc.Get(context.Background(), a, u.ID())
			return err
		}
		list = func(e *env, a ports.Actor, _ *user.User) error {
			_, _, err := e.svc.List(context.Background(), a, user.Filter{}, kernel.Page{Limit: 20})
			return err
		}
		adminUpdate = func(e *env, a ports.Actor, u *user.User) error {
			_, err := e.svc.AdminUpdate(context.Background(), a, u.ID(), user.AdminChange{Role: ptr("admin")})
			return err
		}
		del = func(e *env, a ports.Actor, u *user.User) error {
			return e.svc.Delete(context.Background(), a, u.ID())
		}
		me = func(e *env, a ports.Actor, _ *user.User) error {
			_, err := e.svc.Me(context.Background(), a)
			return err
		}
		updateProfile = func(e *env, a ports.Actor, _ *user.User) error {
			_, err := e.svc.UpdateProfile(context.Background(), a, user.ProfileChange{Name: ptr("Mallory")})
			return err
		}
	)
	tests := []struct {
		name  string
		actor ports.Actor
		call  call
	}{
		{"Get as a user", member, get},
		{"Get as nobody", zero, get},
		{"Get as an admin role with no account", adminWithoutUser, get},
		{"List as a user", member, list},
		{"List as nobody", zero, list},
		{"AdminUpdate as a user", member, adminUpdate},
		{"AdminUpdate as nobody", zero, adminUpdate},
		{"AdminUpdate as an admin role with no account", adminWithoutUser, adminUpdate},
		{"Delete as a user", member, del},
		{"Delete as nobody", zero, del},
		{"Me as nobody", zero, me},
		{"UpdateProfile as nobody", zero, updateProfile},
		{"UpdateProfile as an admin role with no account", adminWithoutUser, updateProfile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			target := e.seed(t, "target@example.com", kernel.RoleUser)
			before := e.repo.record(t, target.ID())
			e.repo.refuse = true
			if err := tt.call(e, tt.actor, target); !errors.Is(err, user.ErrForbidden) {
				t.Fatalf("error = %v, want ErrForbidden", err)
			}
			e.repo.refuse = false
			if e.tx.Commits()+e.tx.Rollbacks() != 0 || e.repo.updates != 0 || len(e.audit.Items()) != 0 ||
				len(e.events.Items()) != 0 || len(e.access.calls) != 0 {
				t.Errorf("a refused action left traces: tx %d/%d, updates %d, audit %v, events %v, access %v",
					e.tx.Commits(), e.tx.Rollbacks(), e.repo.updates, e.audit.Items(), e.events.Items(), e.access.calls)
			}
			if rec := e.repo.record(t, target.ID()); rec != before {
				t.Errorf("stored %+v, want unchanged %+v", rec, before)
			}
		})
	}
}

// TestMe returns the actor's own account, and not found for an actor with none.
func TestMe(t *testing.T) {
	e := newEnv(t)
	u := e.seed(t, "me@example.com", kernel.RoleUser)
	e.seed(t, "other@example.com", kernel.RoleUser)
	if got, err := e.svc.Me(context.Background(), actorOf(u)); err != nil || got.Record() != u.Record() {
		t.Errorf("Me = %v, %v", got, err)
	}
	if _, err := e.svc.Me(context.Background(), ports.Actor{UserID: kernel.NewID()}); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("Me(no account) error = %v, want ErrNotFound", err)
	}
}

// TestUpdateProfileChangesOnlyTheActor: the profile edited is the actor's, whoever else
// exists.
func TestUpdateProfileChangesOnlyTheActor(t *testing.T) {
	e := newEnv(t)
	u := e.seed(t, "me@example.com", kernel.RoleUser)
	other := e.seed(t, "other@example.com", kernel.RoleUser)
	before := e.repo.record(t, other.ID())
	if _, err := e.svc.UpdateProfile(context.Background(), actorOf(u), user.ProfileChange{Name: ptr("Me")}); err != nil {
		t.Fatal(err)
	}
	if e.repo.record(t, u.ID()).Name != "Me" || e.repo.record(t, other.ID()) != before {
		t.Error("the profile changed is not the actor's alone")
	}
}

func TestParseFilter(t *testing.T) {
	f, err := user.ParseFilter("  ann ", "admin", "disabled")
	if err != nil || f != (user.Filter{Q: "ann", Role: kernel.RoleAdmin, Status: user.StatusDisabled}) {
		t.Errorf("ParseFilter = %+v, %v", f, err)
	}
	if f, err := user.ParseFilter("", "", ""); err != nil || f != (user.Filter{}) {
		t.Errorf("empty ParseFilter = %+v, %v", f, err)
	}
	_, err = user.ParseFilter("", "root", "banned")
	codes := kerneltest.FieldCodes(t, err)
	if len(codes) != 2 || codes["role"] != "invalid_role" || codes["status"] != "invalid_status" {
		t.Errorf("errors = %v, want role and status invalid", codes)
	}
}
