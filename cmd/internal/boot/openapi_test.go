package boot

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"go.uber.org/fx"

	"github.com/keelhq/keel/adapters/http/route"
	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/i18n"
	"github.com/keelhq/keel/platform/logging"
	"github.com/keelhq/keel/platform/testkit/logtest"
	"github.com/keelhq/keel/platform/tracing"
)

// apiApp assembles the api process as cmd/api does, without starting it (nothing is
// dialled), and returns the Fiber application it would serve.
func apiApp(t *testing.T) *fiber.App {
	t.Helper()
	cfg, err := config.LoadFrom(config.ProcessAPI, map[string]string{"APP_ENV": "test"})
	if err != nil {
		t.Fatal(err)
	}
	var app *fiber.App
	fxApp := fx.New(
		fx.Supply(cfg, logging.New(&logtest.Buffer{}, "error", "api"), tracing.Settings{}),
		fx.NopLogger,
		Platform, Mail, Core, Contexts, HTTP, API, Realtime,
		fx.Populate(&app),
	)
	if err := fxApp.Err(); err != nil {
		t.Fatal(err)
	}
	return app
}

// documented returns "METHOD /path" for every operation of the api's OpenAPI document,
// with Fiber's spelling of path parameters.
func documented(t *testing.T, app *fiber.App) []string {
	t.Helper()
	res, err := app.Test(httptest.NewRequest(http.MethodGet, "/openapi.json", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /openapi.json = %d %s", res.StatusCode, body)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for path, ops := range doc.Paths {
		for method := range ops {
			fiberPath := strings.NewReplacer("{", ":", "}", "").Replace(path)
			out = append(out, strings.ToUpper(method)+" "+fiberPath)
		}
	}
	slices.Sort(out)
	return out
}

// Every route the api serves is in its OpenAPI document, and every documented operation
// is served: the document is generated from the same descriptors the api mounts, and this
// test keeps anything mounted beside them from going undocumented.
func TestServedRoutesAreDocumented(t *testing.T) {
	app := apiApp(t)
	var served []string
	for _, r := range app.GetRoutes(true) {
		if r.Method != http.MethodHead { // HEAD is GET without the body (RFC 9110)
			served = append(served, r.Method+" "+r.Path)
		}
	}
	slices.Sort(served)
	served = slices.Compact(served)
	docs := documented(t, app)
	for _, s := range served {
		if !slices.Contains(docs, s) {
			t.Errorf("served but not documented: %s", s)
		}
	}
	for _, d := range docs {
		if !slices.Contains(served, d) {
			t.Errorf("documented but not served: %s", d)
		}
	}
	for _, want := range []string{"GET /v1/users/:id", "POST /v1/auth/login", "GET /v1/audit-logs", "GET /docs", "GET /openapi.json"} {
		if !slices.Contains(docs, want) {
			t.Errorf("%s missing from the document", want)
		}
	}
	t.Logf("%d operations served and documented", len(docs))
}

// Every problem code the document names has its own title and detail in the message
// catalogue (the catalogue's own test keeps every language's ids equal), so a new code
// is never answered with the generic text of its status.
func TestDocumentedProblemCodesHaveMessages(t *testing.T) {
	app := apiApp(t)
	res, err := app.Test(httptest.NewRequest(http.MethodGet, "/openapi.json", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Codes []string `json:"x-problem-codes"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	bundle, err := i18n.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, ops := range doc.Paths {
		for _, op := range ops {
			for _, r := range op.Responses {
				for _, code := range r.Codes {
					seen[code] = true
				}
			}
		}
	}
	for code := range seen {
		for _, part := range []string{"title", "detail"} {
			if id := "problem." + code + "." + part; !bundle.Has(id) {
				t.Errorf("problem code %s has no message %s in the catalogue", code, id)
			}
		}
	}
	if len(seen) < 10 {
		t.Errorf("only %d problem codes documented", len(seen))
	}
}

// Every tag an operation carries is listed, with a description, in the document's tags.
func TestDocumentedTagsAreDescribed(t *testing.T) {
	app := apiApp(t)
	res, err := app.Test(httptest.NewRequest(http.MethodGet, "/openapi.json", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tags []struct {
			Name        string `json:"name"`
			Description string `json:"description"`
		} `json:"tags"`
		Paths map[string]map[string]struct {
			Tags []string `json:"tags"`
		} `json:"paths"`
	}
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	described := map[string]bool{}
	for _, tag := range doc.Tags {
		described[tag.Name] = tag.Description != ""
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			for _, tag := range op.Tags {
				if !described[tag] {
					t.Errorf("%s %s: tag %q has no description (apiInfo, or the context module's APITag)", method, path, tag)
				}
			}
		}
	}
}

// A context module's tag (APITag) is listed after the built-in contexts' tags and before
// the trailing ones; a tag described twice is refused.
func TestDocumentInfoTags(t *testing.T) {
	info, err := documentInfo([]route.Tag{{Name: "Zebras", Description: "z"}, {Name: "Invoices", Description: "i"}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tag := range info.Tags {
		names = append(names, tag.Name)
	}
	want := []string{"Auth", "Users", "Notifications", "Audit", "Cron", "Invoices", "Zebras", "Realtime", "Operations", "Documentation"}
	if !slices.Equal(names, want) {
		t.Errorf("tags %v, want %v", names, want)
	}
	if _, err := documentInfo([]route.Tag{{Name: "Users", Description: "again"}}); err == nil {
		t.Error("a tag described twice was accepted")
	}
	if _, err := documentInfo([]route.Tag{{Name: "Bare"}}); err == nil {
		t.Error("a tag without a description was accepted")
	}
}
