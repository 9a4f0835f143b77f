package user_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/http/handlertest"
	httpuser "github.com/keelhq/keel/adapters/http/user"
	"github.com/keelhq/keel/domain/audit"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/ports"
)

// fixture is the users' routes over the real use cases, with one administrator and two
// users.
type fixture struct {
	*handlertest.Env
	admin, ann, bob          *user.User
	adminTok, annTok, bobTok string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	e := handlertest.New(t, nil)
	e.Mount((&httpuser.Handler{Users: e.Users, Cursors: e.Cursors}).Routes()...)
	f := &fixture{Env: e}
	f.admin, _, f.adminTok = e.Account(t, "root@example.com", "Root", "admin")
	f.ann, _, f.annTok = e.Account(t, "ann@example.com", "Ann", "user")
	f.bob, _, f.bobTok = e.Account(t, "bob@example.com", "Bob", "user")
	return f
}

// wantResource checks that got is exactly the `User` resource of rec.
func wantResource(t *testing.T, got map[string]any, rec user.Record) {
	t.Helper()
	if want := handlertest.UserResource(rec); !reflect.DeepEqual(got, want) {
		t.Errorf("resource\n got %v\nwant %v", got, want)
	}
}

func TestUserRoutes(t *testing.T) {
	t.Parallel()
	type check func(t *testing.T, f *fixture, a handlertest.Answer)
	changed := func(field, want string) check {
		return func(t *testing.T, f *fixture, a handlertest.Answer) {
			t.Helper()
			rec := f.Stored(t, f.ann.ID())
			got := map[string]string{"name": rec.Name, "locale": rec.Locale, "role": rec.Role, "status": rec.Status}[field]
			if got != want {
				t.Errorf("stored %s = %q, want %q", field, got, want)
			}
			wantResource(t, a.JSON(t), rec)
		}
	}
	for _, tc := range []struct {
		name   string
		req    func(f *fixture) handlertest.Request
		status int
		code   string
		fields map[string]string
		// unchanged: the request must leave no trace (no audit entry, event or job, and
		// every account as it was).
		unchanged bool
		check     check
	}{
		{name: "me", status: http.StatusOK,
			req: func(f *fixture) handlertest.Request {
				return handlertest.Request{Method: http.MethodGet, Path: "/v1/users/me", Token: f.annTok}
			},
			check: func(t *testing.T, f *fixture, a handlertest.Answer) {
				wantResource(t, a.JSON(t), f.Stored(t, f.ann.ID()))
			}},
		{name: "me without credentials", status: http.StatusUnauthorized, code: "unauthenticated", unchanged: true,
			req: func(f *fixture) handlertest.Request {
				return handlertest.Request{Method: http.MethodGet, Path: "/v1/users/me"}
			}},
		{name: "rename myself", status: http.StatusOK, check: changed("name", "Ann Smith"),
			req: func(f *fixture) handlertest.Request {
				return handlertest.Request{Method: http.MethodPatch, Path: "/v1/users/me", Token: f.annTok, Body: `{"name":"  Ann Smith "}`}
			}},
		{name: "change my locale", status: http.StatusOK, check: changed("locale", "de"),
			req: func(f *fixture) handlertest.Request {
				return handlertest.Request{Method: http.MethodPatch, Path: "/v1/users/me", Token: f.annTok, Body: `{"locale":"de"}`}
			}},
		{name: "unknown field", status: http.StatusBadRequest, code: "unknown_field", unchanged: true,
			req: func(f *fixture) handlertest.Request {
				return handlertest.Request{Method: http.MethodPatch, Path: "/v1/users/me", Token: f.annTok, Body: `{"name":"X","role":"admin"}`}
			}},
		{name: "control characters", status: http.StatusBadRequest, code: "validation_failed",
			fields: map[string]string{"name": "invalid_characters"}, unchanged: true,
			req: func(f *fixture) handlertest.Request {
				return handlertest.Request{Method: http.MethodPatch, Path: "/v1/users/me", Token: f.annTok, Body: `{"name":"A\u0007B"}`}
			}},
		{name: "empty name and a bad locale, together", status: http.StatusBadRequest, code: "validation_failed",
			fields: map[string]string{"name": "required", "locale": "invalid_locale"}, unchanged: true,
			req: func(f *fixture) handlertest.Request {
				return handlertest.Request{Method: http.MethodPatch, Path: "/v1/users/me", Token: f.annTok, Body: `{"name":" ","locale":"fr"}`}
			}},
		{name: "admin reads an account", status: http.StatusOK,
			req: func(f *fixture) handlertest.Request {
				return handlertest.Request{Method: http.MethodGet, Path: "/v1/users/" + f.ann.ID().String(), Token: f.adminTok}
			},
			check: func(t *testing.T, f *fixture, a handlertest.Answer) {
				wantResource(t, a.JSON(t), f.Stored(t, f.ann.ID()))
			}},
		{name: "malformed id is not found", status: http.StatusNotFound, code: "not_found", unchanged: true,
			req: func(f *fixture) handlertest.Request {
				return handlertest.Request{Method: http.MethodGet, Path: "/v1/users/not-a-uuid", Token: f.adminTok}
			}},
		{name: "unknown id is not found", status: http.StatusNotFound, code: "not_found", unchanged: true,
			req: func(f *fixture) handlertest.Request {
				return handlertest.Request{Method: http.MethodGet, Path: "/v1/users/" + uuid.NewString(), Token: f.adminTok}
			}},
		{name: "non-admin reads an account", status: http.StatusForbidden, code: "forbidden", unchanged: true,
			req: func(f *fixture) handlertest.Request {
				return handlertest.Request{Method: http.MethodGet, Path: "/v1/users/" + f.bob.ID().String(), Token: f.annTok}
			}},
		{name: "non-admin makes herself admin", status: http.StatusForbidden, code: "forbidden", unchanged: true,
			req: func(f *fixture) handlertest.Request {
				return handlertest.Request{Method: http.MethodPatch, Path: "/v1/users/" + f.ann.ID().String(), Token: f.annTok, Body: `{"role":"admin"}`}
			}},
		{name: "non-admin deletes an account", status: http.StatusForbidden, code: "forbidden", unchanged: true,
			req: func(f *fixture) handlertest.Request {
				return handlertest.Request{Method: http.MethodDelete, Path: "/v1/users/" + f.bob.ID().String(), Token: f.annTok}
			}},
		{name: "non-admin lists accounts", status: http.StatusForbidden, code: "forbidden", unchanged: true,
			req: func(f *fixture) handlertest.Request {
				return handlertest.Request{Method: http.MethodGet, Path: "/v1/users", Token: f.annTok}
			}},
		{name: "admin disables an account", status: http.StatusOK, check: changed("status", "disabled"),
			req: func(f *fixture) handlertest.Request {
				return handlertest.Request{Method: http.MethodPatch, Path: "/v1/users/" + f.ann.ID().String(), Token: f.adminTok, Body: `{"status":"disabled"}`}
			}},
		{name: "admin promotes an account", status: http.StatusOK, check: changed("role", "admin"),
			req: func(f *fixture) handlertest.Request {
				return handlertest.Request{Method: http.MethodPatch, Path: "/v1/users/" + f.ann.ID().String(), Token: f.adminTok, Body: `{"role":"admin"}`}
			}},
		{name: "invalid role and status, together", status: http.StatusBadRequest, code: "validation_failed", unchanged: true,
			fields: map[string]string{"role": "invalid_role", "status": "invalid_status"},
			req: func(f *fixture) handlertest.Request {
				return handlertest.Request{Method: http.MethodPatch, Path: "/v1/users/" + f.ann.ID().String(), Token: f.adminTok, Body: `{"role":"root","status":"gone"}`}
			}},
		{name: "the last admin demotes himself", status: http.StatusUnprocessableEntity, code: "last_admin", unchanged: true,
			req: func(f *fixture) handlertest.Request {
				return handlertest.Request{Method: http.MethodPatch, Path: "/v1/users/" + f.admin.ID().String(), Token: f.adminTok, Body: `{"role":"user"}`}
			}},
		{name: "admin deletes an account", status: http.StatusNoContent,
			req: func(f *fixture) handlertest.Request {
				return handlertest.Request{Method: http.MethodDelete, Path: "/v1/users/" + f.bob.ID().String(), Token: f.adminTok}
			},
			check: func(t *testing.T, f *fixture, a handlertest.Answer) {
				if len(a.Body) != 0 {
					t.Errorf("204 with a body: %q", a.Body)
				}
				if rec := f.Stored(t, f.bob.ID()); rec.Status != "disabled" || rec.Email == "bob@example.com" {
					t.Errorf("deleted account stored as %+v", rec)
				}
			}},
		{name: "delete with a malformed id", status: http.StatusNotFound, code: "not_found", unchanged: true,
			req: func(f *fixture) handlertest.Request {
				return handlertest.Request{Method: http.MethodDelete, Path: "/v1/users/123", Token: f.adminTok}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			before := map[uuid.UUID]user.Record{}
			for _, u := range []*user.User{f.admin, f.ann, f.bob} {
				before[u.ID()] = f.Stored(t, u.ID())
			}
			written := f.Written(t)
			a := f.Do(t, tc.req(f))
			if a.Status != tc.status || a.Code != tc.code {
				t.Fatalf("answer %d %q, want %d %q: %s", a.Status, a.Code, tc.status, tc.code, a.Body)
			}
			if tc.fields != nil && !reflect.DeepEqual(a.Fields, tc.fields) {
				t.Errorf("field errors %v, want %v", a.Fields, tc.fields)
			}
			if tc.unchanged {
				if n := f.Written(t); n != written {
					t.Errorf("%d audit entries, events or jobs written", n-written)
				}
				for id, rec := range before {
					if got := f.Stored(t, id); !reflect.DeepEqual(got, rec) {
						t.Errorf("account %s changed:\n got %+v\nwant %+v", rec.Email, got, rec)
					}
				}
			}
			if tc.check != nil {
				tc.check(t, f, a)
			}
		})
	}
}

func emails(p handlertest.Page) []string {
	var out []string
	for _, u := range p.Data {
		out = append(out, u["email"].(string))
	}
	return out
}

func TestUserList(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	list := func(q url.Values) handlertest.Answer {
		return f.Do(t, handlertest.Request{Method: http.MethodGet, Path: "/v1/users?" + q.Encode(), Token: f.adminTok})
	}

	// Newest first, two by two, the cursor leading to the rest.
	first := list(url.Values{"limit": {"2"}}).Page(t)
	if got := emails(first); !slices.Equal(got, []string{"bob@example.com", "ann@example.com"}) ||
		first.Pagination.Limit != 2 || !first.Pagination.HasMore || first.Pagination.NextCursor == nil {
		t.Fatalf("first page %v %+v", got, first.Pagination)
	}
	wantResource(t, first.Data[0], f.Stored(t, f.bob.ID()))
	second := list(url.Values{"limit": {"2"}, "cursor": {*first.Pagination.NextCursor}}).Page(t)
	if got := emails(second); !slices.Equal(got, []string{"root@example.com"}) || second.Pagination.HasMore || second.Pagination.NextCursor != nil {
		t.Fatalf("second page %v %+v", got, second.Pagination)
	}
	if p := list(nil).Page(t); p.Pagination.Limit != 20 || len(p.Data) != 3 {
		t.Errorf("default page: limit %d, %d items", p.Pagination.Limit, len(p.Data))
	}

	// Filters reach the use case.
	if got := emails(list(url.Values{"role": {"admin"}}).Page(t)); !slices.Equal(got, []string{"root@example.com"}) {
		t.Errorf("role=admin: %v", got)
	}
	if got := emails(list(url.Values{"q": {"AN"}}).Page(t)); !slices.Equal(got, []string{"ann@example.com"}) {
		t.Errorf("q=AN: %v", got)
	}
	if got := emails(list(url.Values{"status": {"disabled"}}).Page(t)); len(got) != 0 {
		t.Errorf("status=disabled: %v", got)
	}

	for _, tc := range []struct {
		name   string
		q      url.Values
		code   string
		fields map[string]string
	}{
		{"limit zero", url.Values{"limit": {"0"}}, "validation_failed", map[string]string{"limit": "out_of_range"}},
		{"limit too large", url.Values{"limit": {"101"}}, "validation_failed", map[string]string{"limit": "out_of_range"}},
		{"limit not a number", url.Values{"limit": {"ten"}}, "validation_failed", map[string]string{"limit": "invalid_integer"}},
		{"bad filters reported with the limit", url.Values{"role": {"root"}, "status": {"gone"}, "limit": {"500"}}, "validation_failed",
			map[string]string{"role": "invalid_role", "status": "invalid_status", "limit": "out_of_range"}},
		{"control character in q", url.Values{"q": {"a\x00b"}}, "validation_failed", map[string]string{"q": "invalid_characters"}},
		{"cursor of another list", url.Values{"role": {"user"}, "cursor": {*first.Pagination.NextCursor}}, "invalid_cursor", nil},
		{"forged cursor", url.Values{"cursor": {"AAAA"}}, "invalid_cursor", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := list(tc.q)
			if a.Status != http.StatusBadRequest || a.Code != tc.code || !reflect.DeepEqual(a.Fields, tc.fields) {
				t.Errorf("answer %d %q %v, want 400 %q %v: %s", a.Status, a.Code, a.Fields, tc.code, tc.fields, a.Body)
			}
		})
	}
}

// A disabled account loses its sessions: the use case is reached with the admin as actor.
func TestUserDisableRevokesSessions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, annActor, _ := f.Account(t, "carl@example.com", "Carl", "user")
	a := f.Do(t, handlertest.Request{Method: http.MethodPatch, Path: "/v1/users/" + annActor.UserID.String(), Token: f.adminTok,
		Body: `{"status":"disabled","name":"Carl C"}`})
	if a.Status != http.StatusOK {
		t.Fatalf("%d %s", a.Status, a.Body)
	}
	if s := f.Store.Session(annActor.SessionID); s.RevokedAt.IsZero() || s.RevokeReason != "account_disabled" {
		t.Errorf("session after disabling: %+v", s)
	}
	entries, _, err := f.Audit.List(t.Context(), ports.Actor{UserID: f.admin.ID(), Role: "admin"}, audit.Filter{EntityID: annActor.UserID.String()}, kernel.Page{Limit: 10})
	if err != nil || len(entries) == 0 || entries[0].ActorID != f.admin.ID() {
		t.Errorf("audit of the change: %+v %v", entries, err)
	}
}

// EventData gives exactly the REST resource: what GET /v1/users/{id} answers.
func TestUserEventData(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.Do(t, handlertest.Request{Method: http.MethodPatch, Path: "/v1/users/me", Token: f.annTok, Body: `{"name":"Ann Event"}`})
	if a.Status != http.StatusOK {
		t.Fatalf("%d %s", a.Status, a.Body)
	}
	evs := f.Events.Events()
	ev, ok := evs[len(evs)-1].(user.Event)
	if !ok || ev.Name != user.EventUpdated {
		t.Fatalf("last event %#v", evs[len(evs)-1])
	}
	data, ok := httpuser.EventData(ev)
	if !ok {
		t.Fatal("EventData refused a user.Event")
	}
	wire, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	get := f.Do(t, handlertest.Request{Method: http.MethodGet, Path: "/v1/users/" + f.ann.ID().String(), Token: f.adminTok})
	if string(wire) != string(get.Body) {
		t.Errorf("event data\n%s\nresource\n%s", wire, get.Body)
	}
	if _, ok := httpuser.EventData(auth.Event{Name: auth.EventSessionRevoked}); ok {
		t.Error("EventData took another context's event")
	}
}
