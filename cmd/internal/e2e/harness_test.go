package e2e_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keelhq/keel/platform/testkit/pgtest"
	"github.com/keelhq/keel/platform/testkit/proctest"
	"github.com/keelhq/keel/platform/testkit/redistest"
)

// startTimeout bounds a process's start-up in tests (the race detector slows it).
const startTimeout = 20 * time.Second

// stack is one isolated Keel deployment: its own database and Redis key prefix.
type stack struct {
	t    *testing.T
	bins map[string]string
	env  []string
}

// newStack prepares a fresh database (migrated) and an isolated Redis prefix. extra
// variables override the test defaults (e.g. a private server's DATABASE_URL).
func newStack(t *testing.T, extra ...string) *stack {
	t.Helper()
	return newStackOf(t, []string{"api", "worker", "cron", "migrate", "admin"}, extra...)
}

// newStackOf is newStack with only the named binaries built: a test that runs alone
// (the generated contexts' in CI's copy of the repository) builds no binary it does not
// start.
func newStackOf(t *testing.T, bins []string, extra ...string) *stack {
	t.Helper()
	pkgs := make([]string, len(bins))
	for i, b := range bins {
		pkgs[i] = "./cmd/" + b
	}
	env := []string{
		"APP_ENV=test",
		"LOG_LEVEL=info",
		"DATABASE_URL=" + pgtest.URL(t),
		"REDIS_URL=" + redistest.BaseURL(),
		"REDIS_KEY_PREFIX=" + redistest.Prefix(t),
		"AUTH_ARGON2_MEMORY=64",
		"AUTH_ARGON2_ITERATIONS=1",
		"MAIL_DIR=" + t.TempDir(),
		"SHUTDOWN_TIMEOUT=10s",
	}
	return &stack{
		t:    t,
		bins: proctest.Build(t, pkgs...),
		env:  append(env, extra...),
	}
}

// node is one running process of the stack.
type node struct {
	*proctest.Process
	URL string
}

// start runs a long-running binary on a free port and waits until it is live.
func (s *stack) start(name string, extra ...string) *node {
	s.t.Helper()
	addr := proctest.FreeAddr(s.t)
	p := proctest.Start(s.t, s.bins[name], proctest.Options{Env: append(append(s.env[:len(s.env):len(s.env)], "HTTP_ADDR="+addr), extra...)})
	n := &node{Process: p, URL: "http://" + addr}
	proctest.WaitHTTP(s.t, n.URL+"/livez", http.StatusOK, startTimeout)
	s.t.Cleanup(func() {
		if p.Signal(syscall.SIGTERM) == nil {
			_, _ = p.Wait(15 * time.Second)
		}
	})
	return n
}

// run runs a one-shot binary to completion and returns its exit code and output.
func (s *stack) run(name, stdin string, args ...string) (int, string) {
	s.t.Helper()
	p := proctest.Start(s.t, s.bins[name], proctest.Options{Args: args, Env: s.env, Stdin: stdin})
	code, err := p.Wait(startTimeout)
	if err != nil {
		s.t.Fatalf("%s %v: %v\n%s", name, args, err, p.Output())
	}
	return code, p.Output()
}

// response is a decoded HTTP answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a map.
func (r response) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// do sends one request; body may be nil, a string (sent as is) or a value sent as JSON.
// headers are pairs: "Authorization", "Bearer x", ...
func do(t *testing.T, method, url string, body any, headers ...string) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: data}
}

// wantProblem checks a problem+json answer's status and code, and returns it decoded.
func wantProblem(t *testing.T, r response, status int, code string) map[string]any {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d\n%s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("Content-Type = %q, want application/problem+json\n%s", ct, r.Body)
	}
	p := r.JSON(t)
	if p["code"] != code {
		t.Fatalf("code = %v, want %s\n%s", p["code"], code, r.Body)
	}
	if p["requestId"] != r.Header.Get("X-Request-Id") || p["requestId"] == "" {
		t.Fatalf("requestId %v does not match the X-Request-Id header %q", p["requestId"], r.Header.Get("X-Request-Id"))
	}
	return p
}
