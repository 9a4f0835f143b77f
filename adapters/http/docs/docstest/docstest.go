// Package docstest checks the API reference page (GET /docs) in a headless chromium, the
// same way against a test server and against the real api binary: the page loads the
// OpenAPI document, lists the operations, opens one to show its request schema, and
// fetches nothing outside the service.
package docstest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/keelhq/keel/platform/testkit/browsertest"
)

// ScreenshotEnv names the environment variable that, when set, is the path the screenshot
// is written to (instead of a file in the test's temporary directory).
const ScreenshotEnv = "KEEL_DOCS_SCREENSHOT"

// LoadTimeout bounds loading the page until it has rendered the document (or given up).
const LoadTimeout = 10 * time.Second

// Expect is what the page must show.
type Expect struct {
	// Title is the API title the header must show (info.title); empty skips the check.
	Title string
	// Operations are "METHOD /path" entries that must be listed, e.g. "POST /v1/auth/login".
	Operations []string
	// Open is the operation ("METHOD /path") that is clicked open.
	Open string
	// Properties are request body property names the opened operation must show.
	Properties []string
	// ProblemCodes are problem codes the opened operation must list; may be empty.
	ProblemCodes []string
	// Screenshot is the file name of the screenshot in the test's temporary directory;
	// the ScreenshotEnv variable overrides it with a full path.
	Screenshot string
}

// Result is what Check saw, for logging or further checks.
type Result struct {
	Operations []string // every listed operation, "METHOD /path", in page order
	Secured    int      // operations shown with the lock marker
	Screenshot string   // where the PNG was written
	Elapsed    time.Duration
	Tab        *browsertest.Tab // the page, still open, for further checks
}

// opSelector is the CSS selector of the operation "METHOD /path".
func opSelector(t testing.TB, op string) string {
	t.Helper()
	method, path, ok := strings.Cut(op, " ")
	if !ok {
		t.Fatalf("operation %q: want \"METHOD /path\"", op)
	}
	return fmt.Sprintf(`.op[data-method=%q][data-path=%q]`, strings.ToLower(method), path)
}

// Check opens base+"/docs" in a fresh headless chromium and fails t unless the page shows
// what want says, made no request outside base's origin, and logged no error. It writes a
// full-page screenshot with the Open operation expanded.
func Check(t testing.TB, base string, want Expect) Result {
	t.Helper()
	base = strings.TrimRight(base, "/")
	tab := browsertest.New(t, 1280, 900)
	start := time.Now()
	ctx := tab.Ctx

	loadCtx, cancel := context.WithTimeout(ctx, LoadTimeout)
	defer cancel()
	if err := chromedp.Do(loadCtx,
		chromedp.Navigate(base+"/docs"),
		chromedp.WaitReady(chromedp.CSS(`body[data-state]`)),
	); err != nil {
		t.Fatalf("load %s/docs: %v\nrequests: %v\nproblems: %v", base, err, tab.Requests(), tab.Problems())
	}
	state, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.dataset.state + ': ' + (document.getElementById('status') || {}).textContent`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(state, "ready") {
		t.Fatalf("the page did not render the API: %s\nproblems: %v", state, tab.Problems())
	}

	res := Result{Tab: tab}
	if res.Operations, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('.op')].map(n => n.dataset.method.toUpperCase() + ' ' + n.dataset.path)`)); err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, op := range append(slices.Clone(want.Operations), want.Open) {
		if !slices.Contains(res.Operations, op) {
			missing = append(missing, op)
		}
	}
	if len(missing) > 0 {
		t.Errorf("operations not listed: %v\nthe page lists: %v", missing, res.Operations)
	}
	if res.Secured, err = chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.op .op-head .lock').length`)); err != nil {
		t.Fatal(err)
	}
	if res.Secured == 0 {
		t.Error("no operation carries the bearer lock marker")
	}
	if want.Title != "" {
		title, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#title`)))
		if err != nil || title != want.Title {
			t.Errorf("title = %q (%v), want %q", title, err, want.Title)
		}
	}

	op := opSelector(t, want.Open)
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(op+` .op-head`)),
		chromedp.WaitVisible(chromedp.CSS(op+` .block-body .prop-name`)),
	); err != nil {
		t.Fatalf("open %s: %v\nproblems: %v", want.Open, err, tab.Problems())
	}
	props := texts(t, tab, op+` .block-body .prop-name`)
	for _, p := range want.Properties {
		if !slices.Contains(props, p) {
			t.Errorf("%s: request property %q not shown; shown: %v", want.Open, p, props)
		}
	}
	codes := texts(t, tab, op+` .response .code`)
	for _, c := range want.ProblemCodes {
		if !slices.Contains(codes, c) {
			t.Errorf("%s: problem code %q not shown; shown: %v", want.Open, c, codes)
		}
	}

	res.Screenshot = filepath.Join(t.TempDir(), want.Screenshot)
	if p := os.Getenv(ScreenshotEnv); p != "" {
		res.Screenshot = p
	}
	tab.Screenshot(t, res.Screenshot)
	tab.RequireSameOrigin(t, base)
	tab.RequireNoProblems(t)
	res.Elapsed = time.Since(start)
	t.Logf("docs page checked in %v: %d operations (%d secured), %d requests to %s",
		res.Elapsed.Round(time.Millisecond), len(res.Operations), res.Secured, len(tab.Requests()), base)
	return res
}

// texts returns the text of every element matching the CSS selector.
func texts(t testing.TB, tab *browsertest.Tab, selector string) []string {
	t.Helper()
	out, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[[]string](
		fmt.Sprintf(`[...document.querySelectorAll(%q)].map(n => n.textContent.trim())`, selector)))
	if err != nil {
		t.Fatal(err)
	}
	return out
}
