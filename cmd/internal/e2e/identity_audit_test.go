package e2e_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
)

// idTestAuditFilters: GET /v1/audit-logs is an admin-only keyset page of entries, filtered
// by actorId, entity, entityId, action, from and to; an entry shows what the request that
// wrote it was (its X-Request-Id and IP) and the change as {"field":{"from","to"}}.
func idTestAuditFilters(t *testing.T, w *idWorld) {
	u := w.user(t, "audited", "")
	self := w.as(t, u, http.MethodPatch, "/v1/users/me", map[string]any{"name": "Self Renamed"}, "X-Request-Id", "audit-self-"+idRandom(4))
	if self.Status != http.StatusOK {
		t.Fatalf("PATCH me: %d %s", self.Status, self.Body)
	}
	time.Sleep(20 * time.Millisecond) // keep the two changes apart in time for from/to
	byAdmin := w.asAdmin(t, http.MethodPatch, "/v1/users/"+u.UserID, map[string]any{"name": "Admin Renamed"}, "X-Request-Id", "bad id with spaces")
	if byAdmin.Status != http.StatusOK {
		t.Fatalf("PATCH id: %d %s", byAdmin.Status, byAdmin.Body)
	}
	if got := self.Header.Get("X-Request-Id"); got[:11] != "audit-self-" {
		t.Fatalf("a sane X-Request-Id was not echoed: %q", got)
	}
	if got := byAdmin.Header.Get("X-Request-Id"); got == "bad id with spaces" || got == "" {
		t.Fatalf("an insane X-Request-Id was echoed: %q", got)
	}

	entries := func(kv ...string) []map[string]any {
		t.Helper()
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		var out []map[string]any
		for {
			p := w.page(t, "/v1/audit-logs", v)
			for _, e := range p.Items {
				// Background jobs (the worker's e-mails) write rows of their own, with no
				// request; only the rows of this test's requests are predictable here.
				if e["requestId"] != "" {
					out = append(out, e)
				}
			}
			if !p.HasMore {
				return out
			}
			v.Set("cursor", p.NextCursor)
		}
	}
	actions := func(list []map[string]any) []string {
		var out []string
		for _, e := range list {
			out = append(out, e["action"].(string))
		}
		return out
	}

	t.Run("entries", func(t *testing.T) {
		list := entries("entity", "user", "entityId", u.UserID, "limit", "1")
		if len(list) > 0 && len(list) < 3 {
			t.Fatalf("%d entries", len(list))
		}
		if got := actions(list); !slices.Equal(got, []string{"user.updated", "user.updated", "user.registered"}) {
			t.Fatalf("entries of the user, newest first: %v", got)
		}
		for i, e := range list {
			keys := slices.Sorted(idKeys(e))
			if !slices.Equal(keys, []string{"action", "actorId", "changes", "createdAt", "entity", "entityId", "id", "ip", "requestId"}) {
				t.Fatalf("entry members %v", keys)
			}
			if _, err := uuid.Parse(e["id"].(string)); err != nil {
				t.Fatal(err)
			}
			if i > 0 && e["id"].(string) >= list[i-1]["id"].(string) {
				t.Fatalf("entries not newest first")
			}
		}
		newest, older := list[0], list[1]
		want := map[string]any{"actorId": w.admin.UserID, "ip": "127.0.0.1", "requestId": byAdmin.Header.Get("X-Request-Id"), "entityId": u.UserID}
		for k, v := range want {
			if newest[k] != v {
				t.Errorf("admin's change: %s = %v, want %v", k, newest[k], v)
			}
		}
		if ch := newest["changes"].(map[string]any); len(ch) != 1 || ch["name"].(map[string]any)["from"] != "Self Renamed" || ch["name"].(map[string]any)["to"] != "Admin Renamed" {
			t.Errorf("admin's change: changes = %v", ch)
		}
		if older["actorId"] != u.UserID || older["requestId"] != self.Header.Get("X-Request-Id") {
			t.Errorf("own change: %v", older)
		}
	})
	t.Run("actorId", func(t *testing.T) {
		list := entries("actorId", u.UserID)
		if got := actions(list); !slices.Equal(got, []string{"user.updated", "auth.login", "user.registered"}) {
			t.Fatalf("actorId: %v", got)
		}
		for _, e := range list {
			if e["actorId"] != u.UserID {
				t.Fatalf("actorId filter let through %v", e)
			}
		}
	})
	t.Run("entity, entityId and action", func(t *testing.T) {
		if got := actions(entries("entityId", u.SessionID)); !slices.Equal(got, []string{"auth.login"}) {
			t.Fatalf("entityId=session: %v", got)
		}
		if got := actions(entries("entity", "session", "entityId", u.UserID)); len(got) != 0 {
			t.Fatalf("entity=session&entityId=user: %v", got)
		}
		if got := actions(entries("action", "user.updated", "entityId", u.UserID)); !slices.Equal(got, []string{"user.updated", "user.updated"}) {
			t.Fatalf("action=user.updated: %v", got)
		}
		for _, e := range entries("action", "auth.login", "limit", "100") {
			if e["action"] != "auth.login" || e["entity"] != "session" {
				t.Fatalf("action filter let through %v", e)
			}
		}
		for _, e := range entries("entity", "session", "actorId", u.UserID) {
			if e["entity"] != "session" {
				t.Fatalf("entity filter let through %v", e)
			}
		}
	})
	t.Run("from and to", func(t *testing.T) {
		list := entries("entityId", u.UserID)
		newestAt, olderAt := list[0]["createdAt"].(string), list[1]["createdAt"].(string)
		if got := entries("entityId", u.UserID, "from", newestAt); len(got) != 1 || got[0]["id"] != list[0]["id"] {
			t.Fatalf("from=%s (inclusive): %v", newestAt, actions(got))
		}
		if got := entries("entityId", u.UserID, "to", newestAt); len(got) != 2 || got[0]["id"] != list[1]["id"] {
			t.Fatalf("to=%s (exclusive): %v", newestAt, actions(got))
		}
		if got := entries("entityId", u.UserID, "from", olderAt, "to", newestAt); len(got) != 1 || got[0]["id"] != list[1]["id"] {
			t.Fatalf("from..to: %v", actions(got))
		}
		r := w.asAdmin(t, http.MethodGet, "/v1/audit-logs?from="+url.QueryEscape(newestAt)+"&to="+url.QueryEscape(olderAt), nil)
		idWantFields(t, idProblem(t, r, http.StatusBadRequest, "validation_failed", "en"), "en", map[string]string{"to": "invalid_range"})
		r = w.asAdmin(t, http.MethodGet, "/v1/audit-logs?from=yesterday&actorId=me&limit=0", nil, "Accept-Language", "de")
		idWantFields(t, idProblem(t, r, http.StatusBadRequest, "validation_failed", "de"), "de",
			map[string]string{"from": "invalid_timestamp", "actorId": "invalid_uuid", "limit": "out_of_range"})
	})
	t.Run("cursor belongs to its filter", func(t *testing.T) {
		p := w.page(t, "/v1/audit-logs", url.Values{"entityId": {u.UserID}, "limit": {"1"}})
		r := w.asAdmin(t, http.MethodGet, "/v1/audit-logs?limit=1&entityId="+u.SessionID+"&cursor="+url.QueryEscape(p.NextCursor), nil)
		idProblem(t, r, http.StatusBadRequest, "invalid_cursor", "en")
		r = w.asAdmin(t, http.MethodGet, "/v1/users?cursor="+url.QueryEscape(p.NextCursor), nil)
		idProblem(t, r, http.StatusBadRequest, "invalid_cursor", "en")
	})
}
