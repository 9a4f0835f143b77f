package e2e_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi-validator/schema_validation"
)

// apiMDOperations are the operations of ../shared/API.md's Auth, Users, Notifications and Audit tables,
// with who may call them.
var apiMDOperations = map[string]string{
	"POST /v1/auth/register": "public", "POST /v1/auth/login": "public", "POST /v1/auth/refresh": "public",
	"POST /v1/auth/logout": "signed-in", "POST /v1/auth/logout-all": "signed-in", "GET /v1/auth/me": "signed-in",
	"GET /v1/auth/sessions": "signed-in", "DELETE /v1/auth/sessions/{id}": "signed-in",
	"POST /v1/auth/password": "signed-in", "POST /v1/auth/password/forgot": "public",
	"POST /v1/auth/password/reset": "public", "POST /v1/auth/email/verify/request": "signed-in",
	"POST /v1/auth/email/verify": "public",
	"GET /v1/users/me":           "signed-in", "PATCH /v1/users/me": "signed-in", "GET /v1/users": "admin",
	"GET /v1/users/{id}": "admin", "PATCH /v1/users/{id}": "admin", "DELETE /v1/users/{id}": "admin",
	"GET /v1/audit-logs":    "admin",
	"GET /v1/notifications": "signed-in", "POST /v1/notifications/{id}/read": "signed-in",
	"POST /v1/notifications/read-all": "signed-in", "POST /v1/notifications": "admin",
}

// operation is the part of an OpenAPI operation this test reads.
type operation struct {
	Description string                `json:"description"`
	Security    []map[string][]string `json:"security"`
	Parameters  []struct {
		Name string `json:"name"`
		In   string `json:"in"`
	} `json:"parameters"`
	RequestBody *struct {
		Content map[string]json.RawMessage `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Content      map[string]json.RawMessage `json:"content"`
		ProblemCodes []string                   `json:"x-problem-codes"`
	} `json:"responses"`
}

// The real api serves an OpenAPI 3.1 document that an independent validator accepts, and
// that documents every operation of API.md's Auth, Users and Audit tables.
func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	api := s.start("api")
	res, err := http.Get(api.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /openapi.json = %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}

	doc, err := libopenapi.NewDocument(body)
	if err != nil {
		t.Fatalf("libopenapi cannot read the document: %v", err)
	}
	if v := doc.GetVersion(); v != "3.1.0" {
		t.Errorf("openapi version %q, want 3.1.0", v)
	}
	if ok, errs := schema_validation.ValidateOpenAPIDocument(doc); !ok {
		for _, e := range errs {
			t.Errorf("invalid: %s: %s", e.Message, e.Reason)
			for _, se := range e.SchemaValidationErrors {
				t.Errorf("  at %s: %s", se.FieldPath, se.Reason)
			}
		}
	}
	if _, err := doc.BuildV3Model(); err != nil {
		t.Errorf("the document does not build a model: %v", err)
	}
	// The validator is not a rubber stamp: the same document with a broken operation fails.
	broken := strings.Replace(string(body), `"responses"`, `"responses-typo"`, 1)
	if bad, err := libopenapi.NewDocument([]byte(broken)); err == nil {
		if ok, _ := schema_validation.ValidateOpenAPIDocument(bad); ok {
			t.Error("the validator accepts an operation without responses")
		}
	}

	var spec struct {
		Paths      map[string]map[string]operation `json:"paths"`
		Components struct {
			SecuritySchemes map[string]struct {
				Type, Scheme string
			} `json:"securitySchemes"`
		} `json:"components"`
	}
	if err := json.Unmarshal(body, &spec); err != nil {
		t.Fatal(err)
	}
	if sch := spec.Components.SecuritySchemes["bearerAuth"]; sch.Type != "http" || sch.Scheme != "bearer" {
		t.Errorf("bearerAuth scheme = %+v", sch)
	}
	for key, access := range apiMDOperations {
		method, path, _ := strings.Cut(key, " ")
		op, ok := spec.Paths[path][strings.ToLower(method)]
		if !ok {
			t.Errorf("%s is not documented", key)
			continue
		}
		checkOperation(t, key, access, op)
	}
}

func checkOperation(t *testing.T, key, access string, op operation) {
	t.Helper()
	if secured := len(op.Security) > 0; secured != (access != "public") {
		t.Errorf("%s: security %v, want %s", key, op.Security, access)
	}
	if !strings.Contains(op.Description, "Access: "+access+".") {
		t.Errorf("%s: description %q does not state access %s", key, op.Description, access)
	}
	method, path, _ := strings.Cut(key, " ")
	if strings.Contains(path, "{id}") && !slices.ContainsFunc(op.Parameters, func(p struct {
		Name string `json:"name"`
		In   string `json:"in"`
	}) bool {
		return p.Name == "id" && p.In == "path"
	}) {
		t.Errorf("%s: no path parameter id", key)
	}
	if (method == http.MethodPost || method == http.MethodPatch) && op.RequestBody == nil &&
		!slices.Contains([]string{"/v1/auth/logout", "/v1/auth/logout-all", "/v1/auth/email/verify/request",
			"/v1/notifications/{id}/read", "/v1/notifications/read-all"}, path) {
		t.Errorf("%s: no request body", key)
	}
	var codes []string
	for status, r := range op.Responses {
		if status >= "400" {
			if _, ok := r.Content["application/problem+json"]; !ok {
				t.Errorf("%s %s: not a problem+json response", key, status)
			}
			codes = append(codes, r.ProblemCodes...)
		}
	}
	want := []string{"internal_error", "service_unavailable", "too_many_requests"}
	if access != "public" {
		want = append(want, "unauthenticated")
	}
	if access == "admin" {
		want = append(want, "forbidden")
	}
	for _, c := range want {
		if !slices.Contains(codes, c) {
			t.Errorf("%s: problem codes %v lack %s", key, codes, c)
		}
	}
}
