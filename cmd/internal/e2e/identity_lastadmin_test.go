package e2e_test

import (
	"net/http"
	"testing"
)

// TestIdentityLastAdmin: no change may leave the service without an active administrator
// (422 last_admin); with a second administrator the same change is allowed. It has a
// stack of its own, since other tests make administrators.
func TestIdentityLastAdmin(t *testing.T) {
	t.Parallel()
	s := newStack(t, idGenerousLimits...)
	api := s.start("api").URL
	first := idCreateAdmin(t, s, api)
	db := idDB(t, s)
	self := "/v1/users/" + first.UserID
	call := func(sess idSession, method, path string, body any, headers ...string) response {
		return do(t, method, api+path, body, idHeaders(idBearer(sess.Access), headers)...)
	}

	for _, body := range []map[string]any{{"role": "user"}, {"status": "disabled"}, {"role": "user", "status": "disabled", "name": "Still Named"}} {
		r := call(first, http.MethodPatch, self, body)
		idProblem(t, r, http.StatusUnprocessableEntity, "last_admin", "en")
		idWantAudit(t, db, r)
	}
	r := call(first, http.MethodDelete, self, nil, "Accept-Language", "de")
	if p := idProblem(t, r, http.StatusUnprocessableEntity, "last_admin", "de"); p["title"] != "Letzter Administrator" {
		t.Fatalf("de title %q", p["title"])
	}
	if me := call(first, http.MethodGet, "/v1/users/me", nil).JSON(t); me["role"] != "admin" || me["status"] != "active" || me["name"] != "Ada Admin" {
		t.Fatalf("refused changes left %v", me)
	}
	// A rename alone is fine.
	if r := call(first, http.MethodPatch, self, map[string]any{"name": "Ada Renamed"}); r.Status != http.StatusOK {
		t.Fatalf("rename: %d %s", r.Status, r.Body)
	}

	second := idCreateAdmin(t, s, api)
	r = call(first, http.MethodPatch, self, map[string]any{"role": "user"})
	if r.Status != http.StatusOK || r.JSON(t)["role"] != "user" {
		t.Fatalf("demoting oneself with another admin left: %d %s", r.Status, r.Body)
	}
	idWantAudit(t, db, r, idAuditWant{Action: "user.updated", Entity: "user", EntityID: first.UserID, ActorID: first.UserID,
		Changes: idChange("role", "admin", "user")})
	// The demoted admin lost its rights at once; the remaining one is now the last.
	idProblem(t, call(first, http.MethodGet, "/v1/users", nil), http.StatusForbidden, "forbidden", "en")
	idProblem(t, call(second, http.MethodPatch, "/v1/users/"+second.UserID, map[string]any{"status": "disabled"}),
		http.StatusUnprocessableEntity, "last_admin", "en")
	idProblem(t, call(second, http.MethodDelete, "/v1/users/"+second.UserID, nil), http.StatusUnprocessableEntity, "last_admin", "en")
	// Disabling the former admin, now a user, is fine.
	if r := call(second, http.MethodPatch, self, map[string]any{"status": "disabled"}); r.Status != http.StatusOK {
		t.Fatalf("disable former admin: %d %s", r.Status, r.Body)
	}
}
