package e2e_test

import (
	"net/http"
	"testing"
)

// idTestControlCharacters: text with NUL or other control characters is refused at the
// edge with a field error (PostgreSQL would refuse it with a 500), and changes nothing.
func idTestControlCharacters(t *testing.T, w *idWorld) {
	for path, field := range map[string]string{
		"/v1/users?q=a%00b":              "q",
		"/v1/users?q=%1B%5B31m":          "q",
		"/v1/audit-logs?entity=user%00":  "entity",
		"/v1/audit-logs?action=x%07":     "action",
		"/v1/audit-logs?entityId=%00abc": "entityId",
	} {
		r := w.asAdmin(t, http.MethodGet, path, nil)
		idWantFields(t, idProblem(t, r, http.StatusBadRequest, "validation_failed", "en"), "en",
			map[string]string{field: "invalid_characters"})
	}
	u := w.user(t, "ctrl", "")
	r := w.as(t, u, http.MethodPatch, "/v1/users/me", map[string]any{"name": "Eve\u0000"})
	idWantFields(t, idProblem(t, r, http.StatusBadRequest, "validation_failed", "en"), "en",
		map[string]string{"name": "invalid_characters"})
	if me := w.as(t, u, http.MethodGet, "/v1/users/me", nil).JSON(t); me["name"] != "User ctrl" {
		t.Errorf("name = %v after a refused change", me["name"])
	}
}

// idTestDeletedAccount: a deleted account can be read, never changed: re-activating or
// promoting it (it would then count as an active administrator nobody can sign in to) and
// deleting it again are 404.
func idTestDeletedAccount(t *testing.T, w *idWorld) {
	u := w.user(t, "deleted", "")
	idStatus(t, w.asAdmin(t, http.MethodDelete, "/v1/users/"+u.UserID, nil), http.StatusNoContent)
	for _, body := range []map[string]any{{"status": "active"}, {"role": "admin"}, {"name": "Back"}} {
		idProblem(t, w.asAdmin(t, http.MethodPatch, "/v1/users/"+u.UserID, body), http.StatusNotFound, "not_found", "en")
	}
	idProblem(t, w.asAdmin(t, http.MethodDelete, "/v1/users/"+u.UserID, nil), http.StatusNotFound, "not_found", "en")
	got := w.asAdmin(t, http.MethodGet, "/v1/users/"+u.UserID, nil).JSON(t)
	if got["status"] != "disabled" || got["role"] != "user" || got["name"] != "Deleted user" {
		t.Errorf("deleted account now %v", got)
	}
}
