package docs_test

import (
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelhq/keel/adapters/http/docs"
	"github.com/keelhq/keel/adapters/http/docs/docstest"
	"github.com/keelhq/keel/adapters/http/route"
	"github.com/keelhq/keel/adapters/http/server"
	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/health"
	"github.com/keelhq/keel/platform/i18n"
	"github.com/keelhq/keel/platform/logging"
	"github.com/keelhq/keel/platform/testkit/logtest"
)

// serve starts the real server chain (security headers, CORS, ...) with the docs page and
// testdata/openapi.json at /openapi.json on a free port, and returns its base URL.
func serve(t *testing.T) string {
	t.Helper()
	spec, err := os.ReadFile("testdata/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadFrom(config.ProcessAPI, map[string]string{"APP_ENV": "test", "REDIS_URL": ""})
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := i18n.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	app := server.New(server.Deps{
		Config:   cfg,
		Logger:   logging.New(&logtest.Buffer{}, "info", "api"),
		Bundle:   bundle,
		Registry: prometheus.NewRegistry(),
		Health:   health.NewChecker(time.Second),
	})
	app.Get(docs.SpecPath, func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(spec)
	})
	new(route.Mounter).Mount(app, docs.Routes()...)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
	return "http://" + ln.Addr().String()
}

func TestAssetsAreServedWithTheirTypesAndPolicy(t *testing.T) {
	t.Parallel()
	base := serve(t)
	types := map[string]string{
		"/docs":             "text/html",
		"/docs/problems":    "text/html",
		"/docs/app.js":      "text/javascript",
		"/docs/schema.js":   "text/javascript",
		"/docs/app.css":     "text/css",
		"/docs/favicon.svg": "image/svg+xml",
	}
	if got := docs.Routes(); len(got) != len(types) {
		t.Errorf("Routes() = %d routes, want the %d paths checked here", len(got), len(types))
	}
	for _, r := range docs.Routes() {
		path := r.Path
		wantType := types[path]
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", path, res.StatusCode)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, wantType) {
			t.Errorf("GET %s Content-Type = %q, want %s", path, ct, wantType)
		}
		if csp := res.Header.Get("Content-Security-Policy"); csp != docs.ContentSecurityPolicy {
			t.Errorf("GET %s Content-Security-Policy = %q", path, csp)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s lost the server's security headers: %v", path, res.Header)
		}
	}
	// The other routes keep the server's strict policy.
	res, err := http.Get(base + "/livez")
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if csp := res.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'none'") || strings.Contains(csp, "'self'") {
		t.Errorf("/livez Content-Security-Policy = %q, want the server's own", csp)
	}
}

func TestPolicyAllowsOnlyTheServiceItself(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"'unsafe-inline'", "'unsafe-eval'", "http:", "https:", "data:", "*"} {
		if strings.Contains(docs.ContentSecurityPolicy, bad) {
			t.Errorf("policy allows %s: %s", bad, docs.ContentSecurityPolicy)
		}
	}
}

// TestPageInBrowser drives headless chromium against the sample document in testdata.
func TestPageInBrowser(t *testing.T) {
	t.Parallel()
	base := serve(t)
	res := docstest.Check(t, base, docstest.Expect{
		Title: "Keel API",
		Operations: []string{
			"POST /v1/auth/login", "POST /v1/auth/logout", "GET /v1/users/me", "PATCH /v1/users/me",
			"GET /v1/users", "PATCH /v1/users/{id}", "GET /v1/audit-logs",
		},
		Open:         "POST /v1/auth/register",
		Properties:   []string{"email", "password", "name", "locale"},
		ProblemCodes: []string{"validation_failed", "email_taken", "too_many_attempts"},
		Screenshot:   "docs.png",
	})
	if len(res.Operations) != 8 {
		t.Errorf("the page lists %d operations, want the document's 8: %v", len(res.Operations), res.Operations)
	}
	if res.Secured != 6 {
		t.Errorf("%d operations carry the lock, want the document's 6 bearer-secured ones", res.Secured)
	}

	// A problem code links to its entry in the index that /docs/problems#<code> names.
	ctx := res.Tab.Ctx
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`(a => a.getAttribute('href') + ' ' + !!document.querySelector(a.getAttribute('href')))(document.querySelector('#op-register a.code'))`))
	if err != nil || href != "#validation-failed true" {
		t.Errorf("first problem code link = %q (%v), want #validation-failed pointing at its index entry", href, err)
	}

	// The filter hides what does not match, and the tags left empty.
	visible := `[...document.querySelectorAll('.op, .tag[data-tag]')].filter(n => !n.hidden).map(n => n.id).join(' ')`
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`#filter`), "audit")); err != nil {
		t.Fatal(err)
	}
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](visible))
	if err != nil || shown != "tag-audit op-listauditlogs" {
		t.Errorf("after filtering for \"audit\" the page shows %q (%v)", shown, err)
	}
}
