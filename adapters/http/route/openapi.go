package route

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/swaggest/jsonschema-go"
	"github.com/swaggest/openapi-go"
	"github.com/swaggest/openapi-go/openapi31"

	"github.com/keelhq/keel/adapters/http/web"
)

// bearerScheme names the security scheme of signed-in operations.
const bearerScheme = "bearerAuth"

// Info describes the API as a whole.
type Info struct {
	Title, Version, Description string
	// Tags lists the operations' tags in the order a reader meets them, each with a line
	// about it.
	Tags []Tag
}

// Tag is a group of operations.
type Tag struct {
	Name, Description string
}

// problemDoc is the shape of a problem+json answer, for the document (web.Problem
// carries extension members the reflector cannot see).
type problemDoc struct {
	Type      string        `json:"type" required:"true" description:"A link to the problem's documentation."`
	Title     string        `json:"title" required:"true" description:"Short, localized summary."`
	Status    int           `json:"status" required:"true"`
	Detail    string        `json:"detail,omitempty" description:"Localized explanation of this occurrence."`
	Code      string        `json:"code" required:"true" description:"Stable, machine-readable snake_case code."`
	Instance  string        `json:"instance,omitempty" description:"The request path."`
	RequestID string        `json:"requestId" required:"true" description:"Equal to the X-Request-Id response header."`
	TraceID   string        `json:"traceId,omitempty" description:"The OpenTelemetry trace id (32 hex digits) of the request, present only when the service records traces; the trace_id of the request's log lines."`
	Errors    []fieldErrDoc `json:"errors,omitempty" description:"One entry per invalid field (validation_failed)."`
}

// fieldErrDoc is one entry of a problem's errors.
type fieldErrDoc struct {
	Field   string `json:"field" required:"true"`
	Code    string `json:"code" required:"true"`
	Message string `json:"message" required:"true" description:"Localized."`
}

// Answers returns the problem codes an operation may answer, by status: those it declares,
// those its access and input imply, and those every operation may meet (internal error, a
// dependency down, and under /v1 the rate limit).
func (r Route) Answers() map[int][]string {
	errs := slices.Clone(r.Problems)
	if strings.HasPrefix(r.Path, "/v1/") {
		errs = append(errs, &web.Error{Status: http.StatusTooManyRequests, Code: "too_many_requests"})
	}
	errs = append(errs,
		&web.Error{Status: http.StatusInternalServerError, Code: "internal_error"},
		&web.Error{Status: http.StatusServiceUnavailable, Code: "service_unavailable"},
	)
	if r.Access != Public {
		errs = append(errs, &web.Error{Status: http.StatusUnauthorized, Code: "unauthenticated"})
	}
	if r.Access == Admin {
		errs = append(errs, &web.Error{Status: http.StatusForbidden, Code: "forbidden"})
	}
	if p := r.plan; p != nil {
		if len(p.params) > 0 || p.hasBody {
			errs = append(errs, web.ValidationFailed(0))
		}
		if p.hasBody {
			errs = append(errs,
				&web.Error{Status: http.StatusBadRequest, Code: "invalid_json"},
				&web.Error{Status: http.StatusBadRequest, Code: "unknown_field"},
				&web.Error{Status: http.StatusBadRequest, Code: "duplicate_field"},
				&web.Error{Status: http.StatusRequestEntityTooLarge, Code: "payload_too_large"},
				&web.Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type"},
			)
		}
	}
	out := map[int][]string{}
	for _, err := range errs {
		status, code := web.Describe(err)
		if !slices.Contains(out[status], code) {
			out[status] = append(out[status], code)
		}
	}
	for _, codes := range out {
		slices.Sort(codes)
	}
	return out
}

// Document generates the OpenAPI 3.1 document of routes.
func Document(info Info, routes ...Route) ([]byte, error) {
	ref := openapi31.NewReflector()
	ref.Spec.Info.WithTitle(info.Title).WithVersion(info.Version).WithDescription(info.Description)
	tags := make([]openapi31.Tag, len(info.Tags))
	for i, t := range info.Tags {
		tags[i] = openapi31.Tag{Name: t.Name, Description: &t.Description}
	}
	ref.Spec.WithTags(tags...)
	ref.Spec.SetHTTPBearerTokenSecurity(bearerScheme, "JWT", "An access token from POST /v1/auth/login, /register or /refresh.")
	ref.JSONSchemaReflector().AddTypeMapping(uuid.UUID{}, *new(jsonschema.Schema).WithType(jsonschema.String.Type()).WithFormat("uuid"))
	ref.JSONSchemaReflector().InlineDefinition(uuid.UUID{})
	ref.DefaultOptions = append(ref.DefaultOptions, jsonschema.InterceptDefName(defName))

	routes = slices.Clone(routes)
	slices.SortStableFunc(routes, func(a, b Route) int { return cmp.Compare(a.Path, b.Path) })
	for _, r := range routes {
		if err := addOperation(ref, r); err != nil {
			return nil, fmt.Errorf("document %s %s: %w", r.Method, r.Path, err)
		}
	}
	return json.MarshalIndent(ref.Spec, "", "  ")
}

func addOperation(ref *openapi31.Reflector, r Route) error {
	oc, err := ref.NewOperationContext(r.Method, r.Path)
	if err != nil {
		return err
	}
	oc.SetID(r.ID)
	oc.SetSummary(r.Summary)
	oc.SetDescription(strings.TrimSpace(r.Description + "\n\nAccess: " + r.Access.String() + "."))
	oc.SetTags(r.Tags...)
	if r.Access != Public {
		oc.AddSecurity(bearerScheme)
	}
	if r.in.NumField() > 0 {
		oc.AddReqStructure(reflect.New(r.in).Interface(), openapi.WithCustomize(func(cor openapi.ContentOrReference) {
			if rb, ok := cor.(*openapi31.RequestBodyOrReference); ok && rb.RequestBody != nil && requiresBody(r.in) {
				rb.RequestBody.WithRequired(true)
			}
		}))
	}
	switch {
	case r.out == reflect.TypeFor[NoContent]():
		oc.AddRespStructure(nil, openapi.WithHTTPStatus(r.Status))
	case r.contentType != "":
		oc.AddRespStructure(reflect.New(r.out).Interface(), openapi.WithHTTPStatus(r.Status), openapi.WithContentType(r.contentType))
	default:
		oc.AddRespStructure(reflect.New(r.out).Interface(), openapi.WithHTTPStatus(r.Status))
	}
	problems := r.Answers()
	for _, status := range slices.Sorted(maps.Keys(problems)) {
		codes := problems[status]
		oc.AddRespStructure(new(problemDoc),
			openapi.WithHTTPStatus(status),
			openapi.WithContentType(web.ContentTypeProblem),
			func(cu *openapi.ContentUnit) {
				cu.Description = http.StatusText(status) + ". Problem codes: " + strings.Join(codes, ", ") + "."
			},
			openapi.WithCustomize(func(cor openapi.ContentOrReference) {
				if resp, ok := cor.(*openapi31.ResponseOrReference); ok && resp.Response != nil {
					if resp.Response.MapOfAnything == nil {
						resp.Response.MapOfAnything = map[string]any{}
					}
					resp.Response.MapOfAnything["x-problem-codes"] = codes
				}
			}),
		)
	}
	return ref.AddOperation(oc)
}

// requiresBody reports whether a body member of input t is required.
func requiresBody(t reflect.Type) bool {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && f.Type.Kind() == reflect.Struct && requiresBody(f.Type) ||
			name != "-" && f.Tag.Get("required") == "true" {
			return true
		}
	}
	return false
}

// defName names a schema after its type, prefixed by its package unless the type is
// named like it (user.User is "User", auth.Session "AuthSession", a generic page of users
// "PageUser"), so names stay short, unique and stable.
func defName(t reflect.Type, def string) string {
	switch t {
	case reflect.TypeFor[problemDoc]():
		return "Problem"
	case reflect.TypeFor[fieldErrDoc]():
		return "FieldError"
	}
	if t.Name() == "" {
		return def
	}
	name, args, generic := strings.Cut(t.Name(), "[")
	if generic {
		arg := strings.TrimSuffix(args[strings.LastIndex(args, "/")+1:], "]")
		if pkg, typ, ok := strings.Cut(arg, "."); ok {
			arg = qualified(pkg, typ)
		}
		return upper(name) + arg
	}
	return qualified(t.PkgPath()[strings.LastIndex(t.PkgPath(), "/")+1:], name)
}

func qualified(pkg, name string) string {
	if strings.EqualFold(pkg, name) {
		return upper(name)
	}
	return upper(pkg) + upper(name)
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
