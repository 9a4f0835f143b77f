package e2e_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/keelhq/keel/platform/testkit/browsertest"
)

// wsBrowserPage opens the hub the way a browser must (a browser cannot set headers on a
// WebSocket): the subprotocols keel.v1 and bearer.<token>. It records the selected
// protocol and every frame.
const wsBrowserPage = `<!doctype html><meta charset="utf-8"><title>keel ws</title>
<script>
window.keel = {frames: [], protocol: null, closed: null, error: false};
const ws = new WebSocket(%q, ["keel.v1", "bearer." + %q]);
ws.onopen = () => { window.keel.protocol = ws.protocol; };
ws.onmessage = (m) => { window.keel.frames.push(JSON.parse(m.data)); };
ws.onclose = (e) => { window.keel.closed = e.code; };
ws.onerror = () => { window.keel.error = true; };
</script>`

// TestWSInBrowser is acceptance point 7 of issue 8: headless chromium loads a page from
// an allowed origin, opens /v1/ws with the subprotocol authentication, and receives the
// event of a change made through the API.
func TestWSInBrowser(t *testing.T) {
	t.Parallel()
	browsertest.Chromium(t) // skip (or fail in CI) before building anything
	var page string
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	}))
	t.Cleanup(site.Close)

	s := newStack(t, append(idGenerousLimits, "WS_ALLOWED_ORIGINS="+site.URL)...)
	api := s.start("api")
	s.start("worker")
	u := idNewUser(t, api.URL, "wsbrowser", "")
	wsSettle(t, s)
	page = fmt.Sprintf(wsBrowserPage, wsURL(api.URL), u.Access)

	tab := browsertest.New(t, 800, 600)
	state := func() (st struct {
		Frames   []wsFrame `json:"frames"`
		Protocol *string   `json:"protocol"`
		Closed   *int      `json:"closed"`
		Error    bool      `json:"error"`
	}) {
		t.Helper()
		raw, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[string](`JSON.stringify(window.keel)`))
		if err != nil {
			t.Fatalf("read the page's state: %v", err)
		}
		if err := json.Unmarshal([]byte(raw), &st); err != nil {
			t.Fatalf("page state %s: %v", raw, err)
		}
		return st
	}
	if _, err := chromedp.Run(tab.Ctx, chromedp.Navigate(site.URL)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the browser's socket welcomed", 10*time.Second, func() (bool, string) {
		st := state()
		if st.Error || st.Closed != nil {
			t.Fatalf("the socket failed: %+v", st)
		}
		return len(st.Frames) > 0 && st.Frames[0].Type == "welcome", fmt.Sprintf("%+v", st)
	})
	if st := state(); st.Protocol == nil || *st.Protocol != "keel.v1" {
		t.Fatalf("selected protocol %v, want keel.v1", st.Protocol)
	}

	start := time.Now()
	if err := patchName(api.URL, u.Access, "Seen in a browser"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the event in the browser", 5*time.Second, func() (bool, string) {
		for _, f := range state().Frames {
			if f.Type == "event" && f.Event == "user.updated" && strings.Contains(string(f.Data), "Seen in a browser") {
				return true, ""
			}
		}
		return false, "not yet"
	})
	t.Logf("the browser received the event %s after the change", time.Since(start))
	tab.RequireNoProblems(t)

}
