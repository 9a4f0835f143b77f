package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelhq/keel/adapters/http/server"
	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/health"
	"github.com/keelhq/keel/platform/i18n"
	"github.com/keelhq/keel/platform/logging"
	"github.com/keelhq/keel/platform/testkit/logtest"
)

// testBodyLimit is HTTP_BODY_LIMIT in these tests: small, so oversize bodies are cheap.
const testBodyLimit = 4096

// secretPanic and secretError must never reach a response body.
const (
	secretPanic = "panic: secret stack detail 7f3a"
	secretError = "pq: secret SQL detail SELECT password_hash FROM users"
)

// logBuffer is the captured log, with a JSON line filter.
type logBuffer struct{ logtest.Buffer }

// lines returns the decoded JSON log lines whose msg is msg.
func (l *logBuffer) lines(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %v\n%s", err, line)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// harness is one server under test with controllable dependency probes.
type harness struct {
	app      *fiber.App
	maxPerIP int
	trusted  []string
	logs     *logBuffer
	pgDown   atomic.Bool
	rdsDown  atomic.Bool
}

var errProbe = errors.New("connection refused")

// newHarness builds the server with the test routes mounted. vars override the config.
func newHarness(t *testing.T, vars map[string]string) *harness {
	t.Helper()
	env := map[string]string{"APP_ENV": "test", "HTTP_BODY_LIMIT": "4096", "REDIS_URL": ""}
	for k, v := range vars {
		env[k] = v
	}
	cfg, err := config.LoadFrom(config.ProcessAPI, env)
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := i18n.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{logs: &logBuffer{}, maxPerIP: cfg.HTTP.MaxConnsPerIP, trusted: cfg.HTTP.TrustedProxies}
	checker := health.NewChecker(time.Second,
		health.Check{Name: "postgres", Required: true, Probe: func(context.Context) error {
			if h.pgDown.Load() {
				return errProbe
			}
			return nil
		}},
		health.Check{Name: "redis", Probe: func(context.Context) error {
			if h.rdsDown.Load() {
				return errProbe
			}
			return nil
		}},
	)
	h.app = server.New(server.Deps{
		Config:   cfg,
		Logger:   logging.New(h.logs, "debug", "api"),
		Bundle:   bundle,
		Registry: prometheus.NewRegistry(),
		Health:   checker,
	})
	mountTestRoutes(h.app)
	return h
}

type echoBody struct {
	Name string `json:"name"`
	Age  int    `json:"age"`
}

func mountTestRoutes(app *fiber.App) {
	app.Get("/boom", func(*fiber.Ctx) error { panic(secretPanic) })
	app.Get("/raw", func(*fiber.Ctx) error { return errors.New(secretError) })
	app.Get("/items/:id", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"id": c.Params("id")}) })
	app.Post("/echo", func(c *fiber.Ctx) error {
		var b echoBody
		if err := web.Decode(c, &b); err != nil {
			return err
		}
		return c.JSON(b)
	})
	app.Get("/whoami", func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"ip": c.IP(), "protocol": c.Protocol()})
	})
	app.Get("/slow", func(c *fiber.Ctx) error {
		<-c.UserContext().Done() // bounded by HTTP_REQUEST_TIMEOUT
		return c.UserContext().Err()
	})
	app.Post("/size", func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"bytes": len(c.Body())})
	})
}

// response is a decoded answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) problem(t *testing.T, status int, code string) map[string]any {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d\n%s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, web.ContentTypeProblem) {
		t.Fatalf("Content-Type = %q, want %s\n%s", ct, web.ContentTypeProblem, r.Body)
	}
	var p map[string]any
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("problem is not JSON: %v\n%s", err, r.Body)
	}
	if p["code"] != code {
		t.Fatalf("code = %v, want %s\n%s", p["code"], code, r.Body)
	}
	if p["status"] != float64(status) {
		t.Fatalf("status member = %v, want %d", p["status"], status)
	}
	for _, k := range []string{"type", "title"} {
		if s, _ := p[k].(string); s == "" {
			t.Fatalf("problem lacks %s: %s", k, r.Body)
		}
	}
	id := r.Header.Get(server.HeaderRequestID)
	if id == "" || p["requestId"] != id {
		t.Fatalf("requestId %v, header %q", p["requestId"], id)
	}
	return p
}

// test runs req in-process through app.Test.
func (h *harness) test(t *testing.T, req *http.Request) response {
	t.Helper()
	res, err := h.app.Test(req, 10_000)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: body}
}

// get is test with a GET request and optional header pairs.
func (h *harness) get(t *testing.T, target string, headers ...string) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return h.test(t, req)
}

// post is test with a POST request of body and content type.
func (h *harness) post(t *testing.T, target, contentType, body string) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return h.test(t, req)
}

// listen serves the app on a real TCP listener and returns its base URL.
func (h *harness) listen(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- h.app.Listener(server.Listener(ln, h.maxPerIP, h.trusted)) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := h.app.ShutdownWithContext(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		_ = ln.Close() // in case Shutdown came before the server started serving
		<-done
	})
	return "http://" + ln.Addr().String()
}

// send sends req with client over TCP and reads the whole answer.
func send(t *testing.T, client *http.Client, req *http.Request) response {
	t.Helper()
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: body}
}

// newClient returns a client with its own connections, closed when the test ends.
func newClient(t *testing.T) *http.Client {
	tr := &http.Transport{ExpectContinueTimeout: 5 * time.Second, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 20 * time.Second}
}
