// Package browsertest drives Debian's chromium, headless, from tests through chromedp.
//
// Chromium is looked up as "chromium" on PATH, then /usr/bin/chromium. When it is missing a
// test is skipped with the command that installs it, except under CI (CI=true), where a
// missing browser fails the test: CI must never pass by skipping the browser tests.
package browsertest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// InstallHint is how to get the browser these tests need.
const InstallHint = "apt-get install -y chromium"

// Timeout bounds one Tab: starting the browser and everything the test does with it.
const Timeout = 30 * time.Second

// candidates are where Chromium looks, in order.
var candidates = []string{"chromium", "/usr/bin/chromium"}

// Chromium returns the path of the chromium binary. When there is none it skips t, or
// fails it when the environment variable CI is "true".
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range candidates {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "chromium is not installed; install Debian's chromium with `" + InstallHint + "`"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: browser tests never skip in CI; .ci/run installs it)")
	}
	t.Skip(msg)
	return ""
}

// Tab is one headless chromium with one page, and what that page did: every request it
// sent and every console error, uncaught exception or browser log error (CSP violations
// included) it produced.
type Tab struct {
	// Ctx runs chromedp actions on the page.
	Ctx context.Context

	mu       sync.Mutex
	requests []string
	problems []string
}

// Flags are the command-line flags chromium runs with: headless, usable as root and in a
// closed network, and quiet (no background requests of the browser's own).
func Flags() []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true), // root in containers; the pages are our own
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
	}
}

// New starts chromium (skipping or failing t as Chromium does) with a fresh profile and a
// window of width x height CSS pixels, and opens one page. Everything is bounded by Timeout
// and stopped when t ends.
func New(t testing.TB, width, height int) *Tab {
	t.Helper()
	exe := Chromium(t)
	profile := t.TempDir() // removed after the browser has exited: cleanups run in reverse
	opts := append(Flags(),
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(width, height),
	)
	ctx, cancelTimeout := context.WithTimeout(context.Background(), Timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tab := &Tab{}
	tabCtx, cancelTab := chromedp.NewContext(allocCtx,
		chromedp.WithLogf(t.Logf),
		chromedp.WithListener(tab.record))
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for the browser process to exit
		cancelTimeout()
	})
	start := time.Now()
	if err := chromedp.Do(tabCtx); err != nil { // starts the browser and opens the page
		t.Fatalf("start %s: %v", exe, err)
	}
	t.Logf("chromium started in %v", time.Since(start).Round(time.Millisecond))
	tab.Ctx = tabCtx
	return tab
}

// record runs on chromedp's event loop: it must be quick and must not call the browser.
func (b *Tab) record(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.requests = append(b.requests, ev.Request.URL)
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		b.problems = append(b.problems, fmt.Sprintf("uncaught exception: %s (%s:%d)", text, d.URL, d.LineNumber))
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, strings.Trim(string(a.Value), `"`)+a.Description)
			}
			b.problems = append(b.problems, "console error: "+strings.Join(parts, " "))
		}
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			b.problems = append(b.problems, fmt.Sprintf("browser log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	}
}

// Requests returns the URL of every request the page has sent so far.
func (b *Tab) Requests() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.requests...)
}

// Problems returns the console errors, uncaught exceptions and browser log errors so far.
func (b *Tab) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// RequireSameOrigin fails t unless every request the page sent went to origin (scheme,
// host and port of base) and there was at least one.
func (b *Tab) RequireSameOrigin(t testing.TB, base string) {
	t.Helper()
	want, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	reqs := b.Requests()
	if len(reqs) == 0 {
		t.Fatal("the page sent no request at all")
	}
	for _, r := range reqs {
		u, err := url.Parse(r)
		if err != nil || u.Scheme != want.Scheme || u.Host != want.Host {
			t.Errorf("the page sent a request outside %s://%s: %s", want.Scheme, want.Host, r)
		}
	}
}

// RequireNoProblems fails t when the page logged an error or threw.
func (b *Tab) RequireNoProblems(t testing.TB) {
	t.Helper()
	for _, p := range b.Problems() {
		t.Errorf("page problem: %s", p)
	}
}

// Screenshot writes a PNG of the whole page (beyond the window) to path, creating its
// directory, and logs where it went.
func (b *Tab) Screenshot(t testing.TB, path string) {
	t.Helper()
	png, err := chromedp.Run(b.Ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(png))
}
