package user_test

import (
	"context"
	"errors"
	"testing"

	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/user"
)

// A role change tells the account, with its new role and its own locale, in the change's
// transaction; other changes, refused ones and deletions tell nothing.
func TestRoleChangeNotice(t *testing.T) {
	e := newEnv(t)
	admin := e.seed(t, "admin@example.com", kernel.RoleAdmin)
	u := e.seed(t, "de@example.com", kernel.RoleUser)
	if _, err := e.svc.UpdateProfile(context.Background(), actorOf(u), user.ProfileChange{Locale: ptr("de")}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := e.svc.AdminUpdate(ctx, anAdmin(), u.ID(), user.AdminChange{Name: ptr("Renamed")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AdminUpdate(ctx, anAdmin(), u.ID(), user.AdminChange{Role: ptr("user")}); err != nil {
		t.Fatal(err) // the same role: no change
	}
	if got := e.notices.told(); len(got) != 0 {
		t.Fatalf("told %v before any role change", got)
	}
	if _, err := e.svc.AdminUpdate(ctx, anAdmin(), u.ID(), user.AdminChange{Role: ptr("admin")}); err != nil {
		t.Fatal(err)
	}
	got := e.notices.told()
	if len(got) != 1 || got[0].ID != u.ID() || got[0].Role != "admin" || got[0].Locale != "de" {
		t.Fatalf("told %+v, want the account as admin speaking de", got)
	}
	// The last admin's demotion is refused: nobody is told.
	if _, err := e.svc.AdminUpdate(ctx, anAdmin(), u.ID(), user.AdminChange{Role: ptr("user")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AdminUpdate(ctx, anAdmin(), admin.ID(), user.AdminChange{Role: ptr("user")}); !errors.Is(err, user.ErrLastAdmin) {
		t.Fatalf("demoting the last admin = %v", err)
	}
	if err := e.svc.Delete(ctx, anAdmin(), u.ID()); err != nil {
		t.Fatal(err)
	}
	if got := e.notices.told(); len(got) != 2 || got[1].Role != "user" {
		t.Errorf("told %+v, want the promotion and the demotion only", got)
	}
}
