package e2e_test

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The typed TypeScript example client (adapters/http/tsclient) compiles, strictly, against
// types generated from the document the real api serves; `api openapi`, which
// `task client:ts` generates from, prints that same document; the compiled example signs
// in, pages through the users and hears its own notification over the WebSocket; and a
// renamed field in the document breaks the build.
func TestTypedClient(t *testing.T) {
	t.Parallel()
	tools := tsToolchain(t)
	s := newStack(t, idGenerousLimits...)
	api := s.start("api")
	s.start("worker") // relays the notification's event to the WebSocket

	res, err := http.Get(api.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /openapi.json = %d", res.StatusCode)
	}
	if code, out := s.run("api", "", "openapi"); code != 0 || out != string(served) {
		t.Fatalf("`api openapi` (exit %d, %d bytes) does not print the served document (%d bytes):\n%.400s", code, len(out), len(served), out)
	}

	dir := tsWorkspace(t, tools)
	tsGenerate(t, tools, dir, served)
	if code, out := tsCompile(t, tools, dir); code != 0 {
		t.Fatalf("tsc exit %d: the example does not compile against the served document:\n%s", code, out)
	}

	t.Run("the example runs against the api", func(t *testing.T) {
		flags, ok := tsWebSocketFlags(t, tools)
		if !ok {
			t.Skip("this node has no WebSocket (Node 20.10 or newer has one): the example compiles but is not run")
		}
		admin := idCreateAdmin(t, s, api.URL)
		idNewUser(t, api.URL, "tsclient", "")
		idNewUser(t, api.URL, "tsclient", "de")
		env := []string{"KEEL_URL=" + api.URL, "KEEL_EMAIL=" + admin.Email, "KEEL_PASSWORD=" + admin.Password, "KEEL_PAGE_SIZE=2"}
		code, out := tsExec(t, dir, time.Minute, env, tools.node, append(flags, filepath.Join("dist", "example.js"))...)
		if code != 0 {
			t.Fatalf("example exit %d:\n%s", code, out)
		}
		for _, want := range []string{
			"signed in as " + admin.Email + " (admin)",
			"listed 3 active accounts in 2 pages of at most 2",
			"websocket open: connection ",
			"event notification.created on user:" + admin.UserID,
			`heard my notification `, `admin.message "Hello from the typed client`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("the example's output lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("a renamed field breaks the build", func(t *testing.T) {
		var doc map[string]any
		if err := json.Unmarshal(served, &doc); err != nil {
			t.Fatal(err)
		}
		user := doc["components"].(map[string]any)["schemas"].(map[string]any)["User"].(map[string]any)
		props := user["properties"].(map[string]any)
		props["emailAddress"] = props["email"]
		delete(props, "email")
		required := user["required"].([]any)
		for i, r := range required {
			if r == "email" {
				required[i] = "emailAddress"
			}
		}
		changed, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		tsGenerate(t, tools, dir, changed)
		code, out := tsCompile(t, tools, dir)
		if code == 0 {
			t.Fatal("tsc accepted the example against a document whose User.email became emailAddress")
		}
		if !strings.Contains(out, "src/example.ts") || !strings.Contains(out, "Property 'email' does not exist") {
			t.Errorf("tsc failed, but not on the renamed field:\n%s", out)
		}
	})
}
