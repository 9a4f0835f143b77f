package route_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/invopop/validation"

	"github.com/keelhq/keel/adapters/http/route"
	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/platform/i18n"
	"github.com/keelhq/keel/ports"
)

// params exercises every kind of parameter.
type params struct {
	route.PageQuery
	ID     uuid.UUID `path:"id" json:"-"`
	N      int       `query:"n" json:"-"`
	Ref    uuid.UUID `query:"ref" json:"-"`
	From   time.Time `query:"from" json:"-"`
	Unread bool      `query:"unread" json:"-"`
	S      string    `query:"s" json:"-"`
	Cookie string    `cookie:"c" json:"-"`
}

// body is a JSON body with an optional field and a Validate hook.
type body struct {
	Name  string  `json:"name"`
	Note  *string `json:"note,omitempty"`
	valid bool
}

func (b *body) Validate() error {
	if b.Name == "forbidden" {
		return validation.Errors{"name": validation.NewError("taken", "is taken")}
	}
	b.valid = true
	return nil
}

// newApp mounts echo routes through the generic adapter, with Keel's error handler.
func newApp(t *testing.T, routes ...route.Route) *fiber.App {
	t.Helper()
	bundle, err := i18n.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	eh := &web.ErrorHandler{Bundle: bundle, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	app := fiber.New(fiber.Config{ErrorHandler: eh.Handle})
	app.Use(func(c *fiber.Ctx) error { web.SetLocalizer(c, bundle.Localizer("en"), false); return c.Next() })
	(&route.Mounter{Authenticate: func(c *fiber.Ctx) error {
		role := kernel.Role(strings.TrimPrefix(c.Get("Authorization"), "Bearer "))
		if role == "" {
			return web.NewError(http.StatusUnauthorized, "unauthenticated")
		}
		c.SetUserContext(ports.WithActor(c.UserContext(), ports.Actor{UserID: uuid.New(), Role: role}))
		return c.Next()
	}}).Mount(app, routes...)
	return app
}

func echo[T any](method, path string, access route.Access) route.Route {
	r := route.Route{Method: method, Path: path, Access: access}
	if access == route.Admin {
		r.Policy = adminOnly
	}
	return route.Op(r, func(_ *fiber.Ctx, in *T) (T, error) {
		return *in, nil
	})
}

// adminOnly stands for a use case's policy.
func adminOnly(a ports.Actor) error {
	if !a.IsAdmin() {
		return web.NewError(http.StatusForbidden, "forbidden")
	}
	return nil
}

type answer struct {
	status int
	body   string
	fields map[string]string
}

func call(t *testing.T, app *fiber.App, req *http.Request) answer {
	t.Helper()
	res, err := app.Test(req, 5000)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	a := answer{status: res.StatusCode, body: string(b)}
	var p struct {
		Errors []struct{ Field, Code string } `json:"errors"`
	}
	if json.Unmarshal(b, &p) == nil && len(p.Errors) > 0 {
		a.fields = map[string]string{}
		for _, e := range p.Errors {
			a.fields[e.Field] = e.Code
		}
	}
	return a
}

func TestParamsDecode(t *testing.T) {
	t.Parallel()
	id := uuid.Must(uuid.NewV7())
	q := url.Values{"n": {"7"}, "ref": {id.String()}, "from": {"2026-01-02T03:04:05Z"}, "unread": {"true"},
		"s": {"  padded  "}, "limit": {" 42 "}, "cursor": {"abc"}}
	var in params
	app := newApp(t, route.Op(route.Route{Method: http.MethodGet, Path: "/x/{id}"}, func(_ *fiber.Ctx, p *params) (route.NoContent, error) {
		in = *p
		return route.NoContent{}, nil
	}))
	req := httptest.NewRequest(http.MethodGet, "/x/"+id.String()+"?"+q.Encode(), nil)
	req.AddCookie(&http.Cookie{Name: "c", Value: "crumb"})
	if a := call(t, app, req); a.status != http.StatusNoContent {
		t.Fatalf("%d %s", a.status, a.body)
	}
	want := params{PageQuery: route.PageQuery{Cursor: "abc"}, ID: id, N: 7, Ref: id,
		From: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Unread: true, S: "padded", Cookie: "crumb"}
	if in.Limit == nil || *in.Limit != 42 {
		t.Errorf("limit = %v, want 42", in.Limit)
	}
	in.Limit = nil
	if in != want {
		t.Errorf("decoded %+v\nwant    %+v", in, want)
	}
}

func TestParamsReportEveryErrorAtOnce(t *testing.T) {
	t.Parallel()
	app := newApp(t, echo[params](http.MethodGet, "/x/{id}", route.Public))
	q := url.Values{"n": {"x"}, "ref": {"not-a-uuid"}, "from": {"yesterday"}, "unread": {"perhaps"},
		"limit": {"0"}, "s": {"a\x00b"}}
	a := call(t, app, httptest.NewRequest(http.MethodGet, "/x/not-a-uuid?"+q.Encode(), nil))
	want := map[string]string{"n": "invalid_integer", "ref": "invalid_uuid", "from": "invalid_timestamp",
		"unread": "invalid_boolean", "limit": "out_of_range", "s": "invalid_characters"}
	if a.status != http.StatusBadRequest || len(a.fields) != len(want) {
		t.Fatalf("%d %v, want 400 %v", a.status, a.fields, want)
	}
	for f, c := range want {
		if a.fields[f] != c {
			t.Errorf("%s: %q, want %q", f, a.fields[f], c)
		}
	}
	q2 := "n=1&n=2&s=%ff&ref=" + url.QueryEscape("{"+uuid.NewString()+"}")
	a = call(t, app, httptest.NewRequest(http.MethodGet, "/x/1?"+q2, nil))
	if a.fields["n"] != "repeated_parameter" || a.fields["s"] != "invalid_characters" || a.fields["ref"] != "invalid_uuid" {
		t.Errorf("repeated, invalid UTF-8, braced UUID: %d %v", a.status, a.fields)
	}
	for _, limit := range []string{"101", "-1", "1.5", "99999999999999999999"} {
		a := call(t, app, httptest.NewRequest(http.MethodGet, "/x/1?limit="+limit, nil))
		if a.status != http.StatusBadRequest || a.fields["limit"] == "" {
			t.Errorf("limit=%s: %d %v", limit, a.status, a.fields)
		}
	}
}

func TestBodyDecode(t *testing.T) {
	t.Parallel()
	app := newApp(t, echo[body](http.MethodPost, "/b", route.Public))
	post := func(b string) answer {
		req := httptest.NewRequest(http.MethodPost, "/b", strings.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		return call(t, app, req)
	}
	if a := post(`{"name":"Ann","note":"line one\nline two\ttabbed"}`); a.status != http.StatusOK {
		t.Errorf("text with line breaks and tabs: %d %s", a.status, a.body)
	}
	if a := post(`{"name":"A\u0000B","note":"\u0007"}`); a.status != http.StatusBadRequest ||
		a.fields["name"] != "invalid_characters" || a.fields["note"] != "invalid_characters" {
		t.Errorf("control characters: %d %v", a.status, a.fields)
	}
	if a := post(`{"name":"forbidden"}`); a.status != http.StatusBadRequest || a.fields["name"] != "taken" {
		t.Errorf("Validate hook: %d %v", a.status, a.fields)
	}
	if a := post(`{"name":"Ann","extra":1}`); a.status != http.StatusBadRequest || !strings.Contains(a.body, "unknown_field") {
		t.Errorf("unknown field: %d %s", a.status, a.body)
	}
}

func TestMountAuthenticatesAllButPublic(t *testing.T) {
	t.Parallel()
	app := newApp(t,
		echo[struct{}](http.MethodGet, "/open", route.Public),
		echo[struct{}](http.MethodGet, "/closed", route.Admin),
	)
	if a := call(t, app, httptest.NewRequest(http.MethodGet, "/open", nil)); a.status != http.StatusOK {
		t.Errorf("public: %d", a.status)
	}
	if a := call(t, app, httptest.NewRequest(http.MethodGet, "/closed", nil)); a.status != http.StatusUnauthorized {
		t.Errorf("admin without credentials: %d", a.status)
	}
}

// An admin operation applies its policy before it decodes anything: a caller who may not
// use it gets 403 whatever the input, and learns nothing of how input is validated.
func TestPolicyBeforeInput(t *testing.T) {
	t.Parallel()
	app := newApp(t, echo[params](http.MethodGet, "/x/{id}", route.Admin))
	as := func(role, query string) answer {
		req := httptest.NewRequest(http.MethodGet, "/x/1?"+query, nil)
		req.Header.Set("Authorization", "Bearer "+role)
		return call(t, app, req)
	}
	for _, q := range []string{"", "limit=0", "n=x", "s=%00"} {
		if a := as("user", q); a.status != http.StatusForbidden {
			t.Errorf("user, %q: %d, want 403", q, a.status)
		}
	}
	if a := as("admin", "limit=0"); a.status != http.StatusBadRequest {
		t.Errorf("admin, bad limit: %d, want 400", a.status)
	}
	if a := as("admin", ""); a.status != http.StatusOK {
		t.Errorf("admin: %d %s", a.status, a.body)
	}
}

// A path id has one spelling; another names no resource.
func TestPathUUIDOneSpelling(t *testing.T) {
	t.Parallel()
	var got uuid.UUID
	app := newApp(t, route.Op(route.Route{Method: http.MethodGet, Path: "/x/{id}"}, func(_ *fiber.Ctx, in *params) (route.NoContent, error) {
		got = in.ID
		return route.NoContent{}, nil
	}))
	id := uuid.Must(uuid.NewV7())
	for path, want := range map[string]uuid.UUID{
		id.String():                              id,
		strings.ToUpper(id.String()):             id,
		"urn:uuid:" + id.String():                uuid.Nil,
		strings.ReplaceAll(id.String(), "-", ""): uuid.Nil,
	} {
		got = uuid.Max
		call(t, app, httptest.NewRequest(http.MethodGet, "/x/"+url.PathEscape(path), nil))
		if got != want {
			t.Errorf("/x/%s decoded as %s, want %s", path, got, want)
		}
	}
}

// A literal segment wins over a parameter whatever the order routes arrive in.
func TestMountOrdersLiteralsFirst(t *testing.T) {
	t.Parallel()
	named := func(path, name string) route.Route {
		return route.Op(route.Route{Method: http.MethodGet, Path: path}, func(*fiber.Ctx, *struct{}) (string, error) {
			return name, nil
		})
	}
	app := newApp(t, named("/u/{id}", "param"), named("/u/me", "literal"))
	if a := call(t, app, httptest.NewRequest(http.MethodGet, "/u/me", nil)); a.body != `"literal"` {
		t.Errorf("/u/me answered %s", a.body)
	}
	if a := call(t, app, httptest.NewRequest(http.MethodGet, "/u/x", nil)); a.body != `"param"` {
		t.Errorf("/u/x answered %s", a.body)
	}
}

func TestOpRefusesMalformedInput(t *testing.T) {
	t.Parallel()
	type noJSONDash struct {
		ID string `path:"id"`
	}
	type halfBounds struct {
		N int `query:"n" json:"-" minimum:"1"`
	}
	noPolicy := func() {
		route.Op(route.Route{Method: http.MethodGet, Path: "/x", Access: route.Admin},
			func(*fiber.Ctx, *struct{}) (route.NoContent, error) { return route.NoContent{}, nil })
	}
	for name, build := range map[string]func(){
		"path field without json:\"-\"": func() { echo[noJSONDash](http.MethodGet, "/x/{id}", route.Public) },
		"minimum without maximum":       func() { echo[halfBounds](http.MethodGet, "/x", route.Public) },
		"not a struct":                  func() { echo[int](http.MethodGet, "/x", route.Public) },
		"admin without a policy":        noPolicy,
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Op did not panic", name)
				}
			}()
			build()
		}()
	}
}

func TestFiberPath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/v1/users":                 "/v1/users",
		"/v1/users/{id}":            "/v1/users/:id",
		"/v1/a/{id}/b/{sub}":        "/v1/a/:id/b/:sub",
		"/v1/notifications/{id}/rd": "/v1/notifications/:id/rd",
	} {
		if got := (route.Route{Path: in}).FiberPath(); got != want {
			t.Errorf("FiberPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAnswersAndDocument(t *testing.T) {
	t.Parallel()
	notFound := errors.New("plain") // an unknown error documents as 500
	r := route.Op(route.Route{Method: http.MethodPatch, Path: "/v1/x/{id}", ID: "x.update", Access: route.Admin,
		Policy: adminOnly, Problems: []error{web.NewError(http.StatusConflict, "clash"), notFound}}, func(*fiber.Ctx, *struct {
		ID   uuid.UUID `path:"id" json:"-"`
		Name string    `json:"name" required:"true" minLength:"1"`
	}) (route.NoContent, error) {
		return route.NoContent{}, nil
	})
	got := r.Answers()
	// Every decoding refusal of a body is declared: the strict reader's included.
	for _, code := range []string{"invalid_json", "unknown_field", "duplicate_field"} {
		if !slices.Contains(got[400], code) {
			t.Errorf("400: %v lacks %s", got[400], code)
		}
	}
	for status, code := range map[int]string{400: "validation_failed", 401: "unauthenticated", 403: "forbidden",
		409: "clash", 413: "payload_too_large", 415: "unsupported_media_type", 429: "too_many_requests",
		500: "internal_error", 503: "service_unavailable"} {
		if !strings.Contains(strings.Join(got[status], ","), code) {
			t.Errorf("%d: %v lacks %s", status, got[status], code)
		}
	}
	doc, err := route.Document(route.Info{Title: "T", Version: "1", Tags: []route.Tag{{"A", "first"}, {"B", "second"}}}, r)
	if err != nil {
		t.Fatal(err)
	}
	var spec map[string]any
	if err := json.Unmarshal(doc, &spec); err != nil || spec["openapi"] != "3.1.0" {
		t.Fatalf("document %s: %v", doc, err)
	}
	if tags, _ := spec["tags"].([]any); len(tags) != 2 || tags[1].(map[string]any)["description"] != "second" {
		t.Errorf("tags %v, want A and B with their descriptions, in order", spec["tags"])
	}
	op := spec["paths"].(map[string]any)["/v1/x/{id}"].(map[string]any)["patch"].(map[string]any)
	if op["operationId"] != "x.update" || op["security"] == nil {
		t.Errorf("operation %v", op)
	}
	if body, _ := op["requestBody"].(map[string]any); body == nil || body["required"] != true {
		t.Errorf("request body %v, want required (a member is)", op["requestBody"])
	}
	res := op["responses"].(map[string]any)
	if _, ok := res["204"]; !ok {
		t.Errorf("no 204 response: %v", res)
	}
	if codes := res["409"].(map[string]any)["x-problem-codes"]; codes == nil {
		t.Errorf("409 without x-problem-codes: %v", res["409"])
	}
}

// The use case's field errors name domain fields (snake_case); the answer spells them as
// the API does. The adapter's own parameter errors keep the parameter's name as sent.
func TestFieldNamesSpelledForTheAPI(t *testing.T) {
	t.Parallel()
	type in struct {
		SortBy string `query:"sort_by" json:"-"`
	}
	app := newApp(t, route.Op(route.Route{Method: http.MethodGet, Path: "/f"}, func(*fiber.Ctx, *in) (route.NoContent, error) {
		return route.NoContent{}, fmt.Errorf("change: %w", validation.Errors{
			"new_password": validation.NewError("invalid_password", "bad"),
			"address":      validation.Errors{"street_name": validation.ErrRequired},
		})
	}))
	a := call(t, app, httptest.NewRequest(http.MethodGet, "/f", nil))
	if a.fields["newPassword"] != "invalid_password" || a.fields["address.streetName"] != "required" {
		t.Errorf("use case's fields: %v", a.fields)
	}
	a = call(t, app, httptest.NewRequest(http.MethodGet, "/f?sort_by=%00", nil))
	if a.fields["sort_by"] != "invalid_characters" {
		t.Errorf("parameter's field: %v", a.fields)
	}
}

// Every GET route answers HEAD too, without a body.
func TestHeadOnGetRoutes(t *testing.T) {
	t.Parallel()
	app := newApp(t, route.Op(route.Route{Method: http.MethodGet, Path: "/h"}, func(*fiber.Ctx, *struct{}) (string, error) {
		return "body", nil
	}))
	a := call(t, app, httptest.NewRequest(http.MethodHead, "/h", nil))
	if a.status != http.StatusOK || a.body != "" {
		t.Errorf("HEAD: %d %q", a.status, a.body)
	}
}
