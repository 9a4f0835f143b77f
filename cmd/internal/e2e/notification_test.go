package e2e_test

import (
	"bytes"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// The rows of API.md's Notifications table and its "Details that clients rely on", on
// one stack with the real api.
func TestNotifications(t *testing.T) {
	t.Parallel()
	w := ntNewWorld(t)
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, w *ntWorld)
	}{
		{"read one, read all, someone else's", ntTestRead},
		{"unread filter and keyset pages", ntTestPages},
		{"validation", ntTestValidation},
		{"service notifications in the recipient's language", ntTestServiceNotices},
		// Last: a broadcast is listed for every account, those signed up later included.
		{"admin notifies one user and everyone", ntTestNotify},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, w) })
	}
}

// ntTestNotify: a message to one user and one to "all": the broadcast is listed for two
// users with independent read state; each is written with its notification.created
// outbox row (the REST resource, on the recipient's topic) and its audit row, in the
// same transaction.
func ntTestNotify(t *testing.T, w *ntWorld) {
	alice, bob := idNewUser(t, w.api, "ntalice", ""), idNewUser(t, w.api, "ntbob", "")
	own := w.notify(t, alice.UserID, "For Alice", map[string]any{"orderId": 42, "tags": []any{"a", "b"}})
	all := w.notify(t, "all", "For everyone", nil)
	if !reflect.DeepEqual(own["data"], map[string]any{"orderId": float64(42), "tags": []any{"a", "b"}}) || own["body"] != "Body of For Alice" {
		t.Fatalf("sent %v", own)
	}
	// Numbers in data come back digit for digit (no float64 on the way).
	carol := idNewUser(t, w.api, "ntcarol", "")
	bigNumber := `"big":12345678901234567890123`
	exact := w.as(t, w.admin, http.MethodPost, "/v1/notifications", `{"userId":"`+carol.UserID+`","kind":"admin.message","title":"Exact","body":"b","data":{`+bigNumber+`}}`,
		"Content-Type", "application/json")
	if listed := w.as(t, carol, http.MethodGet, "/v1/notifications", nil); exact.Status != http.StatusAccepted ||
		!bytes.Contains(exact.Body, []byte(bigNumber)) || !bytes.Contains(listed.Body, []byte(bigNumber)) {
		t.Fatalf("data with a big number: sent %d %s, listed %s", exact.Status, exact.Body, listed.Body)
	}
	ntWantTitles(t, "alice", w.list(t, alice, ""), "For everyone", "For Alice")
	ntWantTitles(t, "bob", w.list(t, bob, ""), "For everyone")
	ntWantTitles(t, "the admin (its first sign-in is no news)", w.list(t, w.admin, ""), "For everyone")

	idStatus(t, w.as(t, alice, http.MethodPost, "/v1/notifications/"+all["id"].(string)+"/read", nil), http.StatusNoContent)
	ntWantTitles(t, "alice after reading the broadcast", w.list(t, alice, ""), "For everyone*", "For Alice")
	ntWantTitles(t, "bob after alice read it", w.list(t, bob, ""), "For everyone")

	for _, c := range []struct {
		sent  map[string]any
		topic string
	}{{own, "user:" + alice.UserID}, {all, "broadcast"}} {
		id := c.sent["id"].(string)
		ev := w.outbox(t, id)
		if ev.Topic != c.topic || !reflect.DeepEqual(ev.Payload, c.sent) {
			t.Errorf("outbox row of %s: topic %s payload %v; want %s and the resource %v", id, ev.Topic, ev.Payload, c.topic, c.sent)
		}
		note := w.xmin(t, `SELECT xmin::text FROM notifications WHERE id = $1`, id)
		audit := w.xmin(t, `SELECT xmin::text FROM audit_logs WHERE action = 'notification.sent' AND entity_id = $1`, id)
		if note != audit {
			t.Errorf("notification %s written by transaction %s, its audit row by %s: want one", id, note, audit)
		}
	}
	// A resource over 4 KiB travels as its id alone.
	big := w.as(t, w.admin, http.MethodPost, "/v1/notifications", map[string]any{"userId": bob.UserID, "kind": "admin.message",
		"title": strings.Repeat("\U0001F514", 200), "body": strings.Repeat("\U0001F514", 1000)})
	if big.Status != http.StatusAccepted {
		t.Fatalf("big notification = %d %s", big.Status, big.Body)
	}
	bigID := big.JSON(t)["id"].(string)
	if ev := w.outbox(t, bigID); !reflect.DeepEqual(ev.Payload, map[string]any{"id": bigID}) || len(big.Body) <= 4096 {
		t.Errorf("outbox payload of a %d-byte resource: %v; want only its id", len(big.Body), ev.Payload)
	}
	idProblem(t, w.as(t, bob, http.MethodPost, "/v1/notifications",
		map[string]any{"userId": "all", "kind": "admin.message", "title": "x", "body": "y"}), http.StatusForbidden, "forbidden", "en")
}

// ntTestRead: read one (204, idempotent), read all, and someone else's is 404.
func ntTestRead(t *testing.T, w *ntWorld) {
	alice, bob := idNewUser(t, w.api, "ntreada", ""), idNewUser(t, w.api, "ntreadb", "")
	a1 := w.notify(t, alice.UserID, "A1", nil)
	w.notify(t, alice.UserID, "A2", nil)
	b1 := w.notify(t, bob.UserID, "B1", nil)
	read := func(sess idSession, id string) response {
		return w.as(t, sess, http.MethodPost, "/v1/notifications/"+id+"/read", nil)
	}
	idStatus(t, read(alice, a1["id"].(string)), http.StatusNoContent)
	first := w.list(t, alice, "").Data[1]["readAt"]
	idStatus(t, read(alice, a1["id"].(string)), http.StatusNoContent)
	if again := w.list(t, alice, "").Data[1]["readAt"]; again != first || first == nil {
		t.Fatalf("readAt %v after reading again, want the first %v", again, first)
	}
	idProblem(t, read(alice, b1["id"].(string)), http.StatusNotFound, "not_found", "en")
	idProblem(t, read(alice, uuid.NewString()), http.StatusNotFound, "not_found", "en")
	idProblem(t, read(alice, "not-a-uuid"), http.StatusNotFound, "not_found", "en")
	ntWantTitles(t, "bob's untouched", w.list(t, bob, ""), "B1")

	idStatus(t, w.as(t, alice, http.MethodPost, "/v1/notifications/read-all", nil), http.StatusNoContent)
	for _, n := range w.list(t, alice, "").Data {
		if n["readAt"] == nil {
			t.Errorf("unread after read-all: %v", n)
		}
	}
	ntWantTitles(t, "alice unread after read-all", w.list(t, alice, "?unread=true"))
	ntWantTitles(t, "bob after alice's read-all", w.list(t, bob, "?unread=true"), "B1")
	idProblem(t, do(t, http.MethodPost, w.api+"/v1/notifications/read-all", nil), http.StatusUnauthorized, "unauthenticated", "en")
}

// ntTestPages: the unread filter and keyset pages over one user's notifications.
func ntTestPages(t *testing.T, w *ntWorld) {
	carol := idNewUser(t, w.api, "ntpages", "")
	var ids []string
	for i := range 7 {
		ids = append(ids, w.notify(t, carol.UserID, fmt.Sprintf("N%d", i), nil)["id"].(string))
	}
	for _, i := range []int{1, 4} {
		idStatus(t, w.as(t, carol, http.MethodPost, "/v1/notifications/"+ids[i]+"/read", nil), http.StatusNoContent)
	}
	walk := func(query string) []string {
		var got []string
		cursor := ""
		for range 10 {
			p := w.list(t, carol, query+cursor)
			if p.Pagination.Limit != 2 || len(p.Data) > 2 || p.Pagination.HasMore != (p.Pagination.NextCursor != nil) {
				t.Fatalf("page %+v", p.Pagination)
			}
			got = append(got, ntTitles(p)...)
			if !p.Pagination.HasMore {
				return got
			}
			cursor = "&cursor=" + *p.Pagination.NextCursor
			w.notify(t, carol.UserID, "newer", nil) // arrives between pages: never in a later page
		}
		t.Fatal("more than 10 pages")
		return nil
	}
	want := []string{"N6", "N5", "N4*", "N3", "N2", "N1*", "N0"}
	if got := walk("?limit=2"); !reflect.DeepEqual(got, want) {
		t.Errorf("pages: %v, want %v", got, want)
	}
	// The first walk's three newer ones are unread, and newer than the rest.
	if got := walk("?unread=true&limit=2"); !reflect.DeepEqual(got[3:], []string{"N6", "N5", "N3", "N2", "N0"}) ||
		!reflect.DeepEqual(got[:3], []string{"newer", "newer", "newer"}) {
		t.Errorf("unread pages: %v", got)
	}
	// A cursor belongs to its list: the unread list does not take the full list's.
	p := w.list(t, carol, "?limit=2")
	r := w.as(t, carol, http.MethodGet, "/v1/notifications?unread=true&limit=2&cursor="+*p.Pagination.NextCursor, nil)
	idProblem(t, r, http.StatusBadRequest, "invalid_cursor", "en")
	r = w.as(t, carol, http.MethodGet, "/v1/notifications?limit=101", nil)
	idWantFields(t, idProblem(t, r, http.StatusBadRequest, "validation_failed", "en"), "en", map[string]string{"limit": "out_of_range"})
	r = w.as(t, carol, http.MethodGet, "/v1/notifications?unread=maybe", nil)
	idWantFields(t, idProblem(t, r, http.StatusBadRequest, "validation_failed", "en"), "en", map[string]string{"unread": "invalid_boolean"})
}

// ntTestValidation: bad input is a localized problem and sends nothing.
func ntTestValidation(t *testing.T, w *ntWorld) {
	dave := idNewUser(t, w.api, "ntvalid", "")
	send := func(body any, lang string) response {
		return w.as(t, w.admin, http.MethodPost, "/v1/notifications?lang="+lang, body)
	}
	tests := []struct {
		name   string
		body   map[string]any
		fields map[string]string
	}{
		{"empty", map[string]any{}, map[string]string{"userId": "required", "kind": "required", "title": "required", "body": "required"}},
		{"service kind", map[string]any{"userId": dave.UserID, "kind": "security.password_changed", "title": "t", "body": "b"},
			map[string]string{"kind": "invalid_kind"}},
		{"bad recipient", map[string]any{"userId": "everyone", "kind": "admin.message", "title": "t", "body": "b"},
			map[string]string{"userId": "invalid_recipient"}},
		{"too long", map[string]any{"userId": "all", "kind": "admin.message", "title": strings.Repeat("t", 201), "body": strings.Repeat("b", 1001)},
			map[string]string{"title": "length_out_of_range", "body": "length_out_of_range"}},
		{"blank title", map[string]any{"userId": "all", "kind": "admin.message", "title": "   ", "body": "b"},
			map[string]string{"title": "required"}},
		{"control characters", map[string]any{"userId": "all", "kind": "admin.message", "title": "t\tx", "body": "a\x07b"},
			map[string]string{"body": "invalid_characters"}},
		{"data too large", map[string]any{"userId": "all", "kind": "admin.message", "title": "t", "body": "b",
			"data": map[string]any{"blob": strings.Repeat("x", 1100)}}, map[string]string{"data": "data_too_large"}},
		// jsonb holds no NUL: stored, such an event would stop the relay for everyone.
		{"data with NUL", map[string]any{"userId": dave.UserID, "kind": "admin.message", "title": "t", "body": "b",
			"data": map[string]any{"k": []any{"a\x00b"}}}, map[string]string{"data": "invalid_characters"}},
	}
	for _, tc := range tests {
		for _, lang := range []string{"en", "de"} {
			p := idProblem(t, send(tc.body, lang), http.StatusBadRequest, "validation_failed", lang)
			idWantFields(t, p, lang, tc.fields)
		}
	}
	idProblem(t, send(map[string]any{"userId": "all", "kind": "admin.message", "title": "t", "body": "b", "extra": 1}, "en"),
		http.StatusBadRequest, "unknown_field", "en")
	p := idProblem(t, send(map[string]any{"userId": "all", "kind": "admin.message", "title": "t", "body": "b", "data": []any{1}}, "en"),
		http.StatusBadRequest, "validation_failed", "en")
	idWantFields(t, p, "en", map[string]string{"data": "invalid_type"})
	idProblem(t, send(map[string]any{"userId": uuid.NewString(), "kind": "admin.message", "title": "t", "body": "b"}, "es"),
		http.StatusUnprocessableEntity, "unknown_recipient", "es")
	ntWantTitles(t, "dave after refused messages", w.list(t, dave, ""))
}

// ntTestServiceNotices: a sign-in from a new device, a password change and a role change
// each notify the account in its own language, with the event in the same transaction.
func ntTestServiceNotices(t *testing.T, w *ntWorld) {
	de := idNewUser(t, w.api, "ntde", "de")
	es := idNewUser(t, w.api, "ntes", "es")
	ntWantTitles(t, "right after registering", w.list(t, de, ""))
	idLogin(t, w.api, de.Email, de.Password) // the device it registered from
	ntWantTitles(t, "signed in from the same device", w.list(t, de, ""))

	idLogin(t, w.api, de.Email, de.Password, "User-Agent", "NewBrowser/9.0")
	newSignIn := idMessage(t, "de", "notification.security.new_sign_in.title")
	p := w.list(t, de, "")
	ntWantTitles(t, "after a new device", p, newSignIn)
	n := p.Data[0]
	if n["kind"] != "security.new_sign_in" || !strings.Contains(n["body"].(string), "NewBrowser/9.0") ||
		!reflect.DeepEqual(n["data"], map[string]any{"userAgent": "NewBrowser/9.0", "ip": "127.0.0.1"}) {
		t.Fatalf("new sign-in notification %v", n)
	}
	ntWantEvent(t, w, n, de.UserID)
	idLogin(t, w.api, de.Email, de.Password, "User-Agent", "NewBrowser/9.0")
	ntWantTitles(t, "the new device again", w.list(t, de, ""), newSignIn)

	// A password change, asked for in English: the notification speaks the account's German.
	r := w.as(t, de, http.MethodPost, "/v1/auth/password?lang=en", map[string]any{"currentPassword": de.Password, "newPassword": "a new password 1"})
	idStatus(t, r, http.StatusNoContent)
	p = w.list(t, de, "")
	ntWantTitles(t, "after a password change", p, idMessage(t, "de", "notification.security.password_changed.title"), newSignIn)
	if p.Data[0]["kind"] != "security.password_changed" || p.Data[0]["body"] != idMessage(t, "de", "notification.security.password_changed.body") {
		t.Fatalf("password notification %v", p.Data[0])
	}
	ntWantEvent(t, w, p.Data[0], de.UserID)

	r = w.as(t, w.admin, http.MethodPatch, "/v1/users/"+es.UserID, map[string]any{"role": "admin"})
	if r.Status != http.StatusOK {
		t.Fatalf("promote = %d %s", r.Status, r.Body)
	}
	p = w.list(t, es, "")
	ntWantTitles(t, "after a role change", p, idMessage(t, "es", "notification.account.role_changed.title"))
	if p.Data[0]["kind"] != "account.role_changed" || !reflect.DeepEqual(p.Data[0]["data"], map[string]any{"role": "admin"}) ||
		!strings.Contains(p.Data[0]["body"].(string), "admin") {
		t.Fatalf("role notification %v", p.Data[0])
	}
	ntWantEvent(t, w, p.Data[0], es.UserID)
	roleChanged := p.Data[0]

	// A password reset tells the account too, in Spanish.
	subject := idMessage(t, "es", "email.password_reset.subject")
	idStatus(t, do(t, http.MethodPost, w.api+"/v1/auth/password/forgot", map[string]any{"email": es.Email}), http.StatusAccepted)
	token := w.mail.wait(t, es.Email, subject, 1)[0].Token
	idStatus(t, do(t, http.MethodPost, w.api+"/v1/auth/password/reset", map[string]any{"token": token, "newPassword": "a new password 2"}),
		http.StatusNoContent)
	es2 := idLogin(t, w.api, es.Email, "a new password 2")
	p = w.list(t, es2, "")
	ntWantTitles(t, "after a reset", p, idMessage(t, "es", "notification.security.password_changed.title"),
		idMessage(t, "es", "notification.account.role_changed.title"))
	ntWantEvent(t, w, p.Data[0], es.UserID)
	// The change's audit row and the notification commit together.
	user := w.xmin(t, `SELECT xmin::text FROM users WHERE id = $1`, es.UserID)
	if note := w.xmin(t, `SELECT xmin::text FROM notifications WHERE id = $1`, roleChanged["id"].(string)); note != user {
		t.Errorf("the role change was written by transaction %s, its notification by %s", user, note)
	}
}

// ntWantEvent checks the notification's outbox row: on the user's topic, the resource
// as listed (unread). (That it commits with the notification is the outbox contract's
// rollback test; here the relay rewrites the row, so its xmin tells nothing.)
func ntWantEvent(t *testing.T, w *ntWorld, n map[string]any, userID string) {
	t.Helper()
	id := n["id"].(string)
	ev := w.outbox(t, id)
	if ev.Topic != "user:"+userID || !reflect.DeepEqual(ev.Payload, n) {
		t.Errorf("outbox row of %s: topic %s payload %v; want user:%s and %v", id, ev.Topic, ev.Payload, userID, n)
	}
}
