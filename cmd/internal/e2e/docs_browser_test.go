package e2e_test

import (
	"net/http"
	"testing"

	"github.com/keelhq/keel/adapters/http/docs/docstest"
	"github.com/keelhq/keel/platform/testkit/browsertest"
)

// TestDocsPageInBrowser opens the real api's GET /docs in headless chromium: the page
// renders the api's own GET /openapi.json, lists API.md's operations, shows the register
// request schema when that operation is opened, writes a screenshot (KEEL_DOCS_SCREENSHOT
// names the file; otherwise it goes to the test's temporary directory) and sends no request
// outside the api.
//
// Without chromium it skips (apt-get install -y chromium), except under CI=true, where it
// fails. The browser checks are shared with the page's own test in
// adapters/http/docs (docstest.Check).
func TestDocsPageInBrowser(t *testing.T) {
	t.Parallel()
	browsertest.Chromium(t) // skip (or fail in CI) before building anything
	api := newStack(t).start("api")

	for _, path := range []string{"/openapi.json", "/docs"} {
		if r := do(t, http.MethodGet, api.URL+path, nil); r.Status != http.StatusOK {
			t.Fatalf("GET %s = %d\n%s", path, r.Status, r.Body)
		}
	}
	docstest.Check(t, api.URL, docstest.Expect{
		Operations: []string{
			"POST /v1/auth/login", "POST /v1/auth/refresh", "POST /v1/auth/logout", "GET /v1/auth/me",
			"GET /v1/auth/sessions", "DELETE /v1/auth/sessions/{id}", "POST /v1/auth/password/forgot",
			"GET /v1/users/me", "PATCH /v1/users/me", "GET /v1/users", "GET /v1/users/{id}",
			"PATCH /v1/users/{id}", "DELETE /v1/users/{id}", "GET /v1/audit-logs",
		},
		Open:         "POST /v1/auth/register",
		Properties:   []string{"email", "password", "name", "locale"},
		ProblemCodes: []string{"email_taken"},
		Screenshot:   "docs-api.png",
	})
}
