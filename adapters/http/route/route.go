// Package route declares Keel's HTTP operations as data: method, path, summary, tags, who
// may call it, typed input and output, and the problems it can answer. One generic adapter
// mounts a route on Fiber (decode and validate the input, call the handler, encode the
// output), and the same routes generate the OpenAPI 3.1 document, so the document cannot
// drift from what is served.
//
// An input type is a struct whose fields say where they come from: `path:"id"`,
// `query:"limit"`, `cookie:"name"` (each also tagged `json:"-"`), or `json:"name"` for a
// member of the JSON body. Schema tags (`minLength`, `maximum`, `enum`, `format`,
// `required`, `description`, ...) document the rules the use case enforces; `minimum` and
// `maximum` on integer query parameters are also checked here.
package route

import (
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"go.opentelemetry.io/otel/trace"

	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/ports"
)

// Access says who may call an operation. The HTTP layer only authenticates: the use case
// applies the policy (admin only, owner or admin, self), and Access documents it.
type Access int

// The access levels.
const (
	// Public operations need no credentials.
	Public Access = iota
	// SignedIn operations act on the caller's own account.
	SignedIn
	// Admin operations are for administrators only.
	Admin
	// OwnerOrAdmin operations are for the resource's owner or an administrator.
	OwnerOrAdmin
)

// String names the access level as the document shows it.
func (a Access) String() string {
	switch a {
	case SignedIn:
		return "signed-in"
	case Admin:
		return "admin"
	case OwnerOrAdmin:
		return "owner-or-admin"
	}
	return "public"
}

// NoContent is the output of an operation that answers with a status and no body.
type NoContent struct{}

// Route describes one HTTP operation. Build it with Op, which binds the typed handler.
type Route struct {
	// Method is the HTTP method, e.g. http.MethodGet.
	Method string
	// Path is the path in OpenAPI form, e.g. "/v1/users/{id}".
	Path string
	// ID is the operation's stable identifier, e.g. "users.get".
	ID string
	// Summary is one line; Description may say more.
	Summary     string
	Description string
	// Tags group operations in the document, e.g. "Users".
	Tags []string
	// Access says who may call the operation.
	Access Access
	// Status is the success status: by default 204 for NoContent, else 200.
	Status int
	// Problems are the errors the operation may answer with beyond those its access and
	// input imply (see Answers); each is mapped to its status and code at the edge.
	Problems []error
	// Policy, when set, is the use case's authorization policy, applied to the
	// authenticated actor before the input is decoded, so that a caller who may not use
	// the operation learns nothing from how it validates input. Admin routes must name
	// one; the use case applies it again.
	Policy func(ports.Actor) error
	// Authenticates marks a non-public operation whose handler authenticates the caller
	// itself (a WebSocket upgrade also reads the token from the query or a subprotocol):
	// the Mounter puts no authentication in front of it; the document still shows Access.
	Authenticates bool

	in, out     reflect.Type
	plan        *plan // how Op decodes In; nil for Raw
	contentType string
	handle      fiber.Handler
}

// Raw binds a handler that writes its own answer, in the media type contentType, shaped
// as Out (a string for text): operational routes such as /metrics or the docs page. It has
// no input.
func Raw[Out any](r Route, contentType string, h fiber.Handler) Route {
	r.in, r.out, r.contentType, r.handle = reflect.TypeFor[struct{}](), reflect.TypeFor[Out](), contentType, h
	if r.Status == 0 {
		r.Status = http.StatusOK
	}
	return r
}

// Op binds a typed handler to r: the generic adapter decodes the request into In,
// calls h, and encodes its Out (as JSON with r.Status, or no body for NoContent).
// It panics when In is malformed, which a test of the route catches at once.
func Op[In, Out any](r Route, h func(c *fiber.Ctx, in *In) (Out, error)) Route {
	r.in, r.out = reflect.TypeFor[In](), reflect.TypeFor[Out]()
	p, err := newPlan(r.in)
	if err == nil && r.Access == Admin && r.Policy == nil {
		err = errors.New("an admin operation names its policy")
	}
	if err != nil {
		panic("route " + r.Method + " " + r.Path + ": " + err.Error())
	}
	r.plan = p
	policy := r.Policy
	noContent := r.out == reflect.TypeFor[NoContent]()
	if r.Status == 0 {
		r.Status = http.StatusOK
		if noContent {
			r.Status = http.StatusNoContent
		}
	}
	status := r.Status
	r.handle = func(c *fiber.Ctx) error {
		if policy != nil {
			actor, _ := web.Actor(c)
			if err := policy(actor); err != nil {
				return err
			}
		}
		var in In
		if err := p.decode(c, &in); err != nil {
			return err
		}
		out, err := h(c, &in)
		if err != nil {
			return apiFields(err)
		}
		if noContent {
			c.Status(status) // no body: SendStatus would write the status text
			return nil
		}
		return c.Status(status).JSON(out)
	}
	return r
}

// matchOrder is a path with every parameter replaced by a byte that sorts after any
// literal.
func matchOrder(path string) string {
	var b strings.Builder
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") {
			seg = "\xff"
		}
		b.WriteString(seg + "/")
	}
	return b.String()
}

// FiberPath returns the route's path in Fiber's form ("/v1/users/:id").
func (r Route) FiberPath() string {
	var b strings.Builder
	for _, seg := range strings.SplitAfter(r.Path, "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			b.WriteString(":" + strings.TrimSuffix(strings.TrimSuffix(name, "/"), "}"))
			if strings.HasSuffix(seg, "/") {
				b.WriteString("/")
			}
			continue
		}
		b.WriteString(seg)
	}
	return b.String()
}

// Mounter mounts routes on Fiber, authenticating every operation that is not public.
type Mounter struct {
	// Authenticate checks the caller's credentials and puts the actor in the request's
	// context; it decides nothing else.
	Authenticate fiber.Handler
	// Tracer, when set, records the span of each operation's use case (see traced); nil
	// (tracing off) mounts the handlers as they are.
	Tracer trace.Tracer
}

// Mount installs routes on r, each GET also as HEAD. Fiber matches in the order routes are added, and groups of
// routes arrive in no fixed order, so a literal segment is mounted before a parameter in
// the same place: /v1/users/me before /v1/users/{id}.
func (m *Mounter) Mount(r fiber.Router, routes ...Route) {
	routes = slices.Clone(routes)
	slices.SortStableFunc(routes, func(a, b Route) int { return strings.Compare(matchOrder(a.Path), matchOrder(b.Path)) })
	for _, rt := range routes {
		if rt.handle == nil {
			panic("route " + rt.Method + " " + rt.Path + " was not built with route.Op")
		}
		handle := rt.handle
		if m.Tracer != nil && rt.plan != nil {
			handle = traced(m.Tracer, rt.ID, handle)
		}
		handlers := []fiber.Handler{handle}
		if rt.Access != Public && !rt.Authenticates {
			handlers = []fiber.Handler{m.Authenticate, handle}
		}
		r.Add(rt.Method, rt.FiberPath(), handlers...)
		if rt.Method == http.MethodGet { // as Fiber's Get does: HEAD is GET without the body
			r.Add(http.MethodHead, rt.FiberPath(), handlers...)
		}
	}
}

// PageQuery is the keyset pagination of a list: embed it in the list's input.
type PageQuery struct {
	Limit  *int   `query:"limit" json:"-" nullable:"false" minimum:"1" maximum:"100" description:"Items per page; 20 when absent."`
	Cursor string `query:"cursor" json:"-" description:"The previous page's pagination.nextCursor (opaque, bound to the list and its filters)."`
}
