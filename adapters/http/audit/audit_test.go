package audit_test

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	httpaudit "github.com/keelhq/keel/adapters/http/audit"
	"github.com/keelhq/keel/adapters/http/handlertest"
	auditdom "github.com/keelhq/keel/domain/audit"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/ports"
)

type fixture struct {
	*handlertest.Env
	admin            ports.Actor
	adminTok, annTok string
	// entries are the ids of the recorded entries, oldest first.
	entries []uuid.UUID
}

// newFixture mounts the audit route and records, after the accounts' own entries, three
// entries: the admin's change of an account's verification and name (from a request),
// a system action, and the admin's change of a session.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	e := handlertest.New(t, nil)
	e.Mount((&httpaudit.Handler{Audit: e.Audit, Cursors: e.Cursors}).Routes()...)
	f := &fixture{Env: e}
	_, f.admin, f.adminTok = e.Account(t, "root@example.com", "Root", "admin")
	_, _, f.annTok = e.Account(t, "ann@example.com", "Ann", "user")
	req := ports.WithRequest(ports.WithActor(context.Background(), f.admin), ports.RequestInfo{RequestID: "req-1", IP: "203.0.113.7"})
	for _, rec := range []struct {
		ctx context.Context
		r   ports.AuditRecord
	}{
		{req, ports.AuditRecord{Action: "user.updated", Entity: "user", EntityID: "u-1", Changes: kernel.Changes{
			"email_verified": {From: false, To: true}, "name": {From: "Ann", To: "Anna"}}}},
		{context.Background(), ports.AuditRecord{Action: "auth.pruned", Entity: "session", EntityID: "s-0"}},
		{req, ports.AuditRecord{Action: "auth.session_revoked", Entity: "session", EntityID: "s-1"}},
	} {
		if err := e.Audit.Record(rec.ctx, rec.r); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(time.Minute)
	}
	all, _, err := e.Audit.List(context.Background(), f.admin, auditdom.Filter{}, kernel.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range all {
		f.entries = append([]uuid.UUID{en.ID}, f.entries...)
	}
	return f
}

func (f *fixture) list(t *testing.T, q url.Values) (handlertest.Answer, handlertest.Page) {
	t.Helper()
	a := f.Do(t, handlertest.Request{Method: http.MethodGet, Path: "/v1/audit-logs?" + q.Encode(), Token: f.adminTok})
	if a.Status != http.StatusOK {
		return a, handlertest.Page{}
	}
	return a, a.Page(t)
}

func actions(p handlertest.Page) []string {
	var out []string
	for _, e := range p.Data {
		out = append(out, e["action"].(string))
	}
	return out
}

// The entry resource: every member, camelCase change keys, null actor for the system.
func TestAuditEntryResource(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, p := f.list(t, url.Values{"entity": {"user"}, "entityId": {"u-1"}})
	if len(p.Data) != 1 {
		t.Fatalf("%d entries for u-1", len(p.Data))
	}
	got := p.Data[0]
	want := map[string]any{
		"id": f.entries[len(f.entries)-3].String(), "actorId": f.admin.UserID.String(), "action": "user.updated",
		"entity": "user", "entityId": "u-1", "ip": "203.0.113.7", "requestId": "req-1",
		"changes": map[string]any{
			"emailVerified": map[string]any{"from": false, "to": true},
			"name":          map[string]any{"from": "Ann", "to": "Anna"},
		},
		"createdAt": "2026-03-01T12:00:00Z",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("entry\n got %v\nwant %v", got, want)
	}

	_, p = f.list(t, url.Values{"action": {"auth.pruned"}})
	if len(p.Data) != 1 {
		t.Fatalf("%d system entries", len(p.Data))
	}
	if v, ok := p.Data[0]["actorId"]; !ok || v != nil {
		t.Errorf("system entry's actorId = %v (present %v), want null", v, ok)
	}
	if ch, ok := p.Data[0]["changes"].(map[string]any); !ok || len(ch) != 0 {
		t.Errorf("entry without changes has changes %v, want {}", p.Data[0]["changes"])
	}
}

func TestAuditListPagesAndFilters(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	n := len(f.entries)
	a, first := f.list(t, url.Values{"limit": {"2"}})
	if a.Status != http.StatusOK || !slices.Equal(actions(first), []string{"auth.session_revoked", "auth.pruned"}) ||
		first.Pagination.Limit != 2 || !first.Pagination.HasMore || first.Pagination.NextCursor == nil {
		t.Fatalf("first page %d %v %+v", a.Status, actions(first), first.Pagination)
	}
	_, rest := f.list(t, url.Values{"limit": {"100"}, "cursor": {*first.Pagination.NextCursor}})
	if len(rest.Data) != n-2 || rest.Pagination.HasMore || rest.Pagination.NextCursor != nil || rest.Data[0]["action"] != "user.updated" {
		t.Fatalf("rest %v %+v, want %d entries", actions(rest), rest.Pagination, n-2)
	}

	from := handlertest.T0.Add(time.Minute).Format(time.RFC3339) // in UTC+2: the offset is read
	to := handlertest.T0.Add(2 * time.Minute).Format(time.RFC3339)
	for _, tc := range []struct {
		name string
		q    url.Values
		want []string
	}{
		{"actor", url.Values{"actorId": {f.admin.UserID.String()}, "entity": {"session"}}, []string{"auth.session_revoked", "auth.login"}},
		{"entity id", url.Values{"entityId": {"s-1"}}, []string{"auth.session_revoked"}},
		{"action", url.Values{"action": {"user.updated"}}, []string{"user.updated"}},
		{"from inclusive, to exclusive", url.Values{"from": {from}, "to": {to}}, []string{"auth.pruned"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, p := f.list(t, tc.q); !slices.Equal(actions(p), tc.want) {
				t.Errorf("%v: %v, want %v", tc.q, actions(p), tc.want)
			}
		})
	}
}

func TestAuditListRefuses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a, first := f.list(t, url.Values{"limit": {"1"}})
	if a.Status != http.StatusOK || first.Pagination.NextCursor == nil {
		t.Fatalf("first page: %d %s", a.Status, a.Body)
	}
	for _, tc := range []struct {
		name   string
		q      url.Values
		token  string
		status int
		code   string
		fields map[string]string
	}{
		{"non-admin", nil, "ann", http.StatusForbidden, "forbidden", nil},
		{"no credentials", nil, "none", http.StatusUnauthorized, "unauthenticated", nil},
		{"limit out of range", url.Values{"limit": {"0"}}, "", http.StatusBadRequest, "validation_failed",
			map[string]string{"limit": "out_of_range"}},
		{"every malformed parameter at once", url.Values{"actorId": {"nope"}, "from": {"yesterday"}, "to": {"2026-13-01"},
			"limit": {"101"}, "entity": {"us\x00er"}}, "", http.StatusBadRequest, "validation_failed",
			map[string]string{"actorId": "invalid_uuid", "from": "invalid_timestamp", "to": "invalid_timestamp",
				"limit": "out_of_range", "entity": "invalid_characters"}},
		{"cursor of another filter", url.Values{"limit": {"1"}, "entity": {"user"}, "cursor": {*first.Pagination.NextCursor}}, "",
			http.StatusBadRequest, "invalid_cursor", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token := f.adminTok
			switch tc.token {
			case "ann":
				token = f.annTok
			case "none":
				token = ""
			}
			a := f.Do(t, handlertest.Request{Method: http.MethodGet, Path: "/v1/audit-logs?" + tc.q.Encode(), Token: token})
			if a.Status != tc.status || a.Code != tc.code || !reflect.DeepEqual(a.Fields, tc.fields) {
				t.Errorf("answer %d %q %v, want %d %q %v: %s", a.Status, a.Code, a.Fields, tc.status, tc.code, tc.fields, a.Body)
			}
		})
	}
}
