package e2e_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// The rows of API.md's Users table; TestIdentityAPI runs them on its shared stack.

func idTestUsersMe(t *testing.T, w *idWorld) {
	u := w.user(t, "usersme", "es")
	r := w.as(t, u, http.MethodGet, "/v1/users/me", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /v1/users/me = %d %s", r.Status, r.Body)
	}
	me := r.JSON(t)
	idWantUser(t, me)
	if me["id"] != u.UserID || me["email"] != u.Email || me["role"] != "user" || me["status"] != "active" {
		t.Fatalf("me = %v", me)
	}
	idProblem(t, do(t, http.MethodGet, w.api+"/v1/users/me", nil), http.StatusUnauthorized, "unauthenticated", "en")
}

func idTestUsersPatchMe(t *testing.T, w *idWorld) {
	u := w.user(t, "patchme", "")
	r := w.as(t, u, http.MethodPatch, "/v1/users/me", map[string]any{"name": "Pat Renamed", "locale": "es"})
	if r.Status != http.StatusOK {
		t.Fatalf("PATCH me = %d %s", r.Status, r.Body)
	}
	me := r.JSON(t)
	idWantUser(t, me)
	if me["name"] != "Pat Renamed" || me["locale"] != "es" {
		t.Fatalf("after PATCH me: %v", me)
	}
	idWantAudit(t, w.db, r, idAuditWant{Action: "user.updated", Entity: "user", EntityID: u.UserID, ActorID: u.UserID,
		Changes: idChange("name", "User patchme", "Pat Renamed", "locale", "en", "es")})

	t.Run("no change writes nothing", func(t *testing.T) {
		r := w.as(t, u, http.MethodPatch, "/v1/users/me", map[string]any{"name": "Pat Renamed"})
		if r.Status != http.StatusOK {
			t.Fatalf("PATCH me = %d %s", r.Status, r.Body)
		}
		idWantAudit(t, w.db, r)
	})
	t.Run("400", func(t *testing.T) {
		r := w.as(t, u, http.MethodPatch, "/v1/users/me", map[string]any{"name": "", "locale": "fr"}, "Accept-Language", "en")
		idWantFields(t, idProblem(t, r, http.StatusBadRequest, "validation_failed", "en"), "en",
			map[string]string{"name": "required", "locale": "invalid_locale"})
		for _, field := range []string{"role", "status", "email"} {
			r = w.as(t, u, http.MethodPatch, "/v1/users/me", map[string]any{field: "admin"}, "Accept-Language", "en")
			idProblem(t, r, http.StatusBadRequest, "unknown_field", "en")
		}
		if me := w.as(t, u, http.MethodGet, "/v1/users/me", nil).JSON(t); me["role"] != "user" {
			t.Fatalf("role = %v", me["role"])
		}
	})
}

// idPage is one page of a list.
type idPage struct {
	IDs        []string
	Items      []map[string]any
	Limit      int
	NextCursor string
	HasMore    bool
}

// idGetPage fetches a paginated list with the administrator's token and checks its shape.
func (w *idWorld) page(t *testing.T, path string, q url.Values) idPage {
	t.Helper()
	r := w.asAdmin(t, http.MethodGet, path+"?"+q.Encode(), nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET %s?%s = %d %s", path, q.Encode(), r.Status, r.Body)
	}
	m := r.JSON(t)
	if len(m) != 2 {
		t.Fatalf("page members %v, want data and pagination", m)
	}
	pg := m["pagination"].(map[string]any)
	if len(pg) != 3 {
		t.Fatalf("pagination = %v, want limit, nextCursor, hasMore", pg)
	}
	p := idPage{Limit: int(pg["limit"].(float64)), HasMore: pg["hasMore"].(bool)}
	if c, ok := pg["nextCursor"].(string); ok {
		p.NextCursor = c
	} else if pg["nextCursor"] != nil {
		t.Fatalf("nextCursor = %v", pg["nextCursor"])
	}
	if p.HasMore != (p.NextCursor != "") {
		t.Fatalf("hasMore %v with nextCursor %q", p.HasMore, p.NextCursor)
	}
	for _, e := range m["data"].([]any) {
		item := e.(map[string]any)
		p.Items = append(p.Items, item)
		p.IDs = append(p.IDs, item["id"].(string))
	}
	return p
}

// all walks every page of a list.
func (w *idWorld) all(t *testing.T, path string, q url.Values) []string {
	t.Helper()
	var ids []string
	for {
		p := w.page(t, path, q)
		ids = append(ids, p.IDs...)
		if !p.HasMore {
			return ids
		}
		q.Set("cursor", p.NextCursor)
	}
}

// idListUsers makes n users whose e-mails start with emailPrefix and names with
// namePrefix, and returns their ids newest first.
func (w *idWorld) listUsers(t *testing.T, emailPrefix, namePrefix string, from, n int) []string {
	t.Helper()
	var ids []string
	for i := from; i < from+n; i++ {
		s := idRegister(t, w.api, fmt.Sprintf("%s-%03d@example.com", emailPrefix, i), "list-pw-123", fmt.Sprintf("%s %03d", namePrefix, i), "")
		ids = append(ids, s.UserID)
	}
	slices.Reverse(ids)
	return ids
}

func idTestUsersList(t *testing.T, w *idWorld) {
	tag := idRandom(4)
	emailPrefix, namePrefix := "lst"+tag, "Zelda"+tag
	ids := w.listUsers(t, emailPrefix, namePrefix, 0, 25)
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}

	t.Run("default limit 20, newest first", func(t *testing.T) {
		p := w.page(t, "/v1/users", q("q", emailPrefix))
		if p.Limit != 20 || len(p.IDs) != 20 || !p.HasMore || !slices.Equal(p.IDs, ids[:20]) {
			t.Fatalf("first page: limit %d, %d items, hasMore %v; ids match %v", p.Limit, len(p.IDs), p.HasMore, slices.Equal(p.IDs, ids[:20]))
		}
		for _, it := range p.Items {
			idWantUser(t, it)
		}
		p2 := w.page(t, "/v1/users", q("q", emailPrefix, "cursor", p.NextCursor))
		if p2.HasMore || p2.NextCursor != "" || !slices.Equal(p2.IDs, ids[20:]) {
			t.Fatalf("second page: %v hasMore %v", p2.IDs, p2.HasMore)
		}
		if p := w.page(t, "/v1/users", q("q", emailPrefix, "limit", "100")); p.Limit != 100 || len(p.IDs) != 25 || p.HasMore {
			t.Fatalf("limit 100: %d items, hasMore %v", len(p.IDs), p.HasMore)
		}
	})
	t.Run("q is a prefix of e-mail or name", func(t *testing.T) {
		for _, prefix := range []string{namePrefix, strings.ToLower(namePrefix), strings.ToUpper(emailPrefix)} {
			if got := w.all(t, "/v1/users", q("q", prefix, "limit", "7")); !slices.Equal(got, ids) {
				t.Fatalf("q=%s: %d users, want the 25", prefix, len(got))
			}
		}
		if got := w.all(t, "/v1/users", q("q", emailPrefix+"-01")); !slices.Equal(got, ids[25-20:25-10]) {
			t.Fatalf("q=%s-01: %d users, want 10", emailPrefix, len(got))
		}
		if got := w.all(t, "/v1/users", q("q", namePrefix+" 007")); !slices.Equal(got, []string{ids[25-8]}) {
			t.Fatalf("q=name 007: %v", got)
		}
		if got := w.all(t, "/v1/users", q("q", tag)); len(got) != 0 {
			t.Fatalf("q matching only inside the e-mail gave %d users, want a prefix match only", len(got))
		}
		if got := w.all(t, "/v1/users", q("q", "%"+tag)); len(got) != 0 {
			t.Fatalf("q=%%: LIKE metacharacters must match literally, got %d users", len(got))
		}
	})
	t.Run("role and status filters", func(t *testing.T) {
		admins, disabled := []string{ids[3], ids[11]}, []string{ids[0], ids[11], ids[20]}
		for _, id := range admins {
			if r := w.asAdmin(t, http.MethodPatch, "/v1/users/"+id, map[string]any{"role": "admin"}); r.Status != http.StatusOK {
				t.Fatalf("promote: %d %s", r.Status, r.Body)
			}
		}
		for _, id := range disabled {
			w.setStatus(t, id, "disabled")
		}
		if got := w.all(t, "/v1/users", q("q", emailPrefix, "role", "admin")); !slices.Equal(got, admins) {
			t.Fatalf("role=admin: %v, want %v", got, admins)
		}
		if got := w.all(t, "/v1/users", q("q", emailPrefix, "status", "disabled")); !slices.Equal(got, disabled) {
			t.Fatalf("status=disabled: %v, want %v", got, disabled)
		}
		if got := w.all(t, "/v1/users", q("q", emailPrefix, "role", "admin", "status", "active")); !slices.Equal(got, []string{ids[3]}) {
			t.Fatalf("role=admin&status=active: %v", got)
		}
		if got := w.all(t, "/v1/users", q("q", emailPrefix, "role", "user", "status", "active", "limit", "3")); len(got) != 25-4 {
			t.Fatalf("role=user&status=active: %d users, want 21", len(got))
		}
		r := w.asAdmin(t, http.MethodGet, "/v1/users?role=owner&status=gone&limit=500", nil)
		idWantFields(t, idProblem(t, r, http.StatusBadRequest, "validation_failed", "en"), "en",
			map[string]string{"role": "invalid_role", "status": "invalid_status", "limit": "out_of_range"})
	})
	t.Run("400 limit out of range", func(t *testing.T) {
		for _, limit := range []string{"0", "101", "-1", "abc"} {
			r := w.asAdmin(t, http.MethodGet, "/v1/users?limit="+limit, nil)
			fields := idFieldErrors(t, idProblem(t, r, http.StatusBadRequest, "validation_failed", "en"), "en")
			if _, ok := fields["limit"]; !ok || len(fields) != 1 {
				t.Fatalf("limit=%s: field errors %v, want limit", limit, fields)
			}
		}
		r := w.asAdmin(t, http.MethodGet, "/v1/users?limit=101", nil, "Accept-Language", "de")
		if p := idProblem(t, r, http.StatusBadRequest, "validation_failed", "de"); p["detail"] != "Die Anfrage enthält 1 ungültiges Feld." {
			t.Fatalf("de detail = %q", p["detail"])
		}
	})
	t.Run("400 invalid_cursor", func(t *testing.T) {
		p := w.page(t, "/v1/users", q("q", emailPrefix, "limit", "5"))
		c := []byte(p.NextCursor)
		c[len(c)/2] ^= 1
		altered := string(c)
		for name, v := range map[string]url.Values{
			"altered":      q("q", emailPrefix, "limit", "5", "cursor", altered),
			"truncated":    q("q", emailPrefix, "limit", "5", "cursor", p.NextCursor[:len(p.NextCursor)-4]),
			"garbage":      q("q", emailPrefix, "cursor", "!!not-base64!!"),
			"other q":      q("q", namePrefix, "limit", "5", "cursor", p.NextCursor),
			"other role":   q("q", emailPrefix, "role", "user", "cursor", p.NextCursor),
			"other status": q("q", emailPrefix, "status", "active", "cursor", p.NextCursor),
			"no filter":    q("cursor", p.NextCursor),
		} {
			r := w.asAdmin(t, http.MethodGet, "/v1/users?"+v.Encode(), nil)
			if r.Status != http.StatusBadRequest {
				t.Fatalf("%s cursor: %d %s", name, r.Status, r.Body)
			}
			idProblem(t, r, http.StatusBadRequest, "invalid_cursor", "en")
		}
		r := w.asAdmin(t, http.MethodGet, "/v1/audit-logs?cursor="+url.QueryEscape(p.NextCursor), nil, "Accept-Language", "es")
		idProblem(t, r, http.StatusBadRequest, "invalid_cursor", "es")
		// Changing only the page size keeps the cursor valid.
		if got := w.page(t, "/v1/users", q("q", emailPrefix, "limit", "7", "cursor", p.NextCursor)); !slices.Equal(got.IDs, ids[5:12]) {
			t.Fatalf("cursor with another limit: %v", got.IDs)
		}
	})
}

// idTestUsersPaging: pages are stable under inserts between them.
func idTestUsersPaging(t *testing.T, w *idWorld) {
	tag := idRandom(4)
	emailPrefix := "pgn" + tag
	ids := w.listUsers(t, emailPrefix, "Paging "+tag, 0, 12)
	v := url.Values{"q": {emailPrefix}, "limit": {"5"}}
	var got []string
	for round := 0; ; round++ {
		p := w.page(t, "/v1/users", v)
		got = append(got, p.IDs...)
		// Others sign up between every two pages; being newer, they sort before the cursor
		// and must not shift what the next pages hold.
		w.listUsers(t, emailPrefix, "Paging "+tag, 100+10*round, 2)
		if !p.HasMore {
			break
		}
		v.Set("cursor", p.NextCursor)
	}
	if !slices.Equal(got, ids) {
		t.Fatalf("pages under inserts gave %d users (%v), want exactly the %d that existed at the start", len(got), got, len(ids))
	}
	if n := len(w.all(t, "/v1/users", url.Values{"q": {emailPrefix}})); n != 12+2*3 {
		t.Fatalf("%d users now, want 18", n)
	}
}

func idTestUsersGet(t *testing.T, w *idWorld) {
	u := w.user(t, "getid", "de")
	r := w.asAdmin(t, http.MethodGet, "/v1/users/"+u.UserID, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET id = %d %s", r.Status, r.Body)
	}
	got := r.JSON(t)
	idWantUser(t, got)
	if got["id"] != u.UserID || got["email"] != u.Email || got["locale"] != "de" {
		t.Fatalf("GET id = %v", got)
	}
	idProblem(t, w.asAdmin(t, http.MethodGet, "/v1/users/"+uuid.NewString(), nil), http.StatusNotFound, "not_found", "en")
	idProblem(t, w.asAdmin(t, http.MethodGet, "/v1/users/not-a-uuid", nil, "Accept-Language", "de"), http.StatusNotFound, "not_found", "de")
}

func idTestUsersPatch(t *testing.T, w *idWorld) {
	u := w.user(t, "patchid", "")
	s2 := idLogin(t, w.api, u.Email, u.Password)
	path := "/v1/users/" + u.UserID

	r := w.asAdmin(t, http.MethodPatch, path, map[string]any{"name": "Renamed By Admin", "role": "admin"})
	if r.Status != http.StatusOK || r.JSON(t)["role"] != "admin" || r.JSON(t)["name"] != "Renamed By Admin" {
		t.Fatalf("PATCH id = %d %s", r.Status, r.Body)
	}
	idWantAudit(t, w.db, r, idAuditWant{Action: "user.updated", Entity: "user", EntityID: u.UserID, ActorID: w.admin.UserID,
		Changes: idChange("name", "User patchid", "Renamed By Admin", "role", "user", "admin")})
	// The new role applies to the existing session at once.
	if r := w.as(t, u, http.MethodGet, "/v1/users/"+w.admin.UserID, nil); r.Status != http.StatusOK {
		t.Fatalf("promoted user reading a user: %d %s", r.Status, r.Body)
	}
	r = w.asAdmin(t, http.MethodPatch, path, map[string]any{"role": "user"})
	idWantAudit(t, w.db, r, idAuditWant{Action: "user.updated", ActorID: w.admin.UserID, Changes: idChange("role", "admin", "user")})
	idProblem(t, w.as(t, u, http.MethodGet, "/v1/users/"+w.admin.UserID, nil), http.StatusForbidden, "forbidden", "en")

	t.Run("disabling revokes every session", func(t *testing.T) {
		r := w.asAdmin(t, http.MethodPatch, path, map[string]any{"status": "disabled"})
		if r.Status != http.StatusOK || r.JSON(t)["status"] != "disabled" {
			t.Fatalf("disable: %d %s", r.Status, r.Body)
		}
		idWantAudit(t, w.db, r, idAuditWant{Action: "user.updated", Entity: "user", EntityID: u.UserID, ActorID: w.admin.UserID,
			Changes: idChange("status", "active", "disabled")})
		for _, s := range []idSession{u, s2} {
			idWantRefused(t, w.api, s.Access)
			idProblem(t, do(t, http.MethodPost, w.api+"/v1/auth/refresh", map[string]any{"refreshToken": s.Refresh}),
				http.StatusUnauthorized, "invalid_refresh_token", "en")
		}
		// Enabling again does not revive the revoked sessions.
		w.setStatus(t, u.UserID, "active")
		idWantRefused(t, w.api, s2.Access)
		idLogin(t, w.api, u.Email, u.Password)
	})
	t.Run("400 and 404", func(t *testing.T) {
		r := w.asAdmin(t, http.MethodPatch, path, map[string]any{"role": "root", "status": "frozen", "name": ""})
		idWantFields(t, idProblem(t, r, http.StatusBadRequest, "validation_failed", "en"), "en",
			map[string]string{"role": "invalid_role", "status": "invalid_status", "name": "required"})
		idProblem(t, w.asAdmin(t, http.MethodPatch, path, map[string]any{"email": "x@example.com"}), http.StatusBadRequest, "unknown_field", "en")
		idProblem(t, w.asAdmin(t, http.MethodPatch, "/v1/users/"+uuid.NewString(), map[string]any{"name": "Ghost"}), http.StatusNotFound, "not_found", "en")
	})
}

func idTestUsersDelete(t *testing.T, w *idWorld) {
	u := w.user(t, "delete", "es")
	path := "/v1/users/" + u.UserID
	r := w.asAdmin(t, http.MethodDelete, path, nil)
	idStatus(t, r, http.StatusNoContent)
	idWantAudit(t, w.db, r, idAuditWant{Action: "user.deleted", Entity: "user", EntityID: u.UserID, ActorID: w.admin.UserID,
		Changes: idChange("anonymised", false, true, "status", "active", "disabled")})

	got := w.asAdmin(t, http.MethodGet, path, nil).JSON(t)
	want := map[string]any{"email": "deleted-" + u.UserID + "@invalid", "name": "Deleted user", "status": "disabled", "role": "user", "emailVerified": false}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("deleted user's %s = %v, want %v", k, got[k], v)
		}
	}
	idWantRefused(t, w.api, u.Access)
	idProblem(t, do(t, http.MethodPost, w.api+"/v1/auth/login", map[string]any{"email": u.Email, "password": u.Password}),
		http.StatusUnauthorized, "invalid_credentials", "en")
	idProblem(t, do(t, http.MethodPost, w.api+"/v1/auth/refresh", map[string]any{"refreshToken": u.Refresh}),
		http.StatusUnauthorized, "invalid_refresh_token", "en")
	// The audit trail keeps the id: sign-up, first sign-in and deletion are all there.
	var actions []string
	for _, it := range w.page(t, "/v1/audit-logs", url.Values{"actorId": {u.UserID}}).Items {
		actions = append(actions, it["action"].(string))
	}
	for _, it := range w.page(t, "/v1/audit-logs", url.Values{"entityId": {u.UserID}}).Items {
		actions = append(actions, it["action"].(string))
	}
	for _, a := range []string{"user.registered", "auth.login", "user.deleted"} {
		if !slices.Contains(actions, a) {
			t.Errorf("audit trail of the deleted user lacks %s: %v", a, actions)
		}
	}
	// Nothing is left to sign in with, not even through a reset link.
	idStatus(t, do(t, http.MethodPost, w.api+"/v1/auth/password/forgot", map[string]any{"email": u.Email}), http.StatusAccepted)
	idWaitMailJobs(t, w.db, u.Email, u.UserID) // the reset job has run
	if got := idFilterMail(w.mail.all(t), u.Email, "Restablece tu contraseña de Keel"); len(got) != 0 {
		t.Fatalf("a reset e-mail went to the deleted account's old address")
	}
	idProblem(t, w.asAdmin(t, http.MethodDelete, "/v1/users/"+uuid.NewString(), nil), http.StatusNotFound, "not_found", "en")
}

// idTestAdminOnly: a signed-in non-admin gets 403 on every admin route (in its own
// locale), and nobody gets in without a token.
func idTestAdminOnly(t *testing.T, w *idWorld) {
	u := w.user(t, "nonadmin", "de")
	routes := []struct{ method, path string }{
		{http.MethodGet, "/v1/users"},
		{http.MethodGet, "/v1/users/" + w.admin.UserID},
		{http.MethodPatch, "/v1/users/" + u.UserID},
		{http.MethodDelete, "/v1/users/" + w.admin.UserID},
		{http.MethodGet, "/v1/audit-logs"},
	}
	for _, rt := range routes {
		var body any
		if rt.method == http.MethodPatch {
			body = map[string]any{"role": "admin"}
		}
		r := w.as(t, u, rt.method, rt.path, body)
		if p := idProblem(t, r, http.StatusForbidden, "forbidden", "de"); p["title"] != "Zugriff verweigert" {
			t.Fatalf("%s %s: title %q", rt.method, rt.path, p["title"])
		}
		idWantAudit(t, w.db, r)
		idProblem(t, do(t, rt.method, w.api+rt.path, body), http.StatusUnauthorized, "unauthenticated", "en")
	}
	if me := w.as(t, u, http.MethodGet, "/v1/users/me", nil).JSON(t); me["role"] != "user" {
		t.Fatalf("role = %v after the refused PATCH", me["role"])
	}
}
