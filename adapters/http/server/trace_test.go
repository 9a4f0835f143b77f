package server_test

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/keelhq/keel/adapters/http/route"
	"github.com/keelhq/keel/adapters/http/server"
	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/health"
	"github.com/keelhq/keel/platform/i18n"
	"github.com/keelhq/keel/platform/logging"
	"github.com/keelhq/keel/platform/testkit/logtest"
)

type thingIn struct {
	ID string `path:"id" json:"-"`
}

type thingOut struct {
	ID string `json:"id"`
}

var errThingBroken = errors.New("secret driver text: password=hunter2")

// thingRoutes are one route that answers and one whose use case fails.
func thingRoutes() []route.Route {
	return []route.Route{
		route.Op(route.Route{Method: http.MethodGet, Path: "/v1/things/{id}", ID: "things.get"},
			func(c *fiber.Ctx, in *thingIn) (thingOut, error) { return thingOut{ID: in.ID}, nil }),
		route.Op(route.Route{Method: http.MethodPost, Path: "/v1/things/{id}/break", ID: "things.break"},
			func(c *fiber.Ctx, in *thingIn) (route.NoContent, error) { return route.NoContent{}, errThingBroken }),
		route.Op(route.Route{Method: http.MethodPost, Path: "/v1/things/{id}/panic", ID: "things.panic"},
			func(c *fiber.Ctx, in *thingIn) (route.NoContent, error) { panic("secret panic detail") }),
	}
}

// tracedApp is a server with thingRoutes, tracing into a span recorder when tracer is set.
func tracedApp(tb testing.TB, tracer trace.Tracer, logs io.Writer) *fiber.App {
	tb.Helper()
	cfg, err := config.LoadFrom(config.ProcessAPI, map[string]string{"APP_ENV": "test", "REDIS_URL": ""})
	if err != nil {
		tb.Fatal(err)
	}
	bundle, err := i18n.NewBundle()
	if err != nil {
		tb.Fatal(err)
	}
	var opts []logging.Option
	if tracer != nil {
		opts = append(opts, logging.TraceIDs())
	}
	app := server.New(server.Deps{
		Config: cfg, Logger: logging.New(logs, "info", "api", opts...), Bundle: bundle,
		Registry: prometheus.NewRegistry(), Health: health.NewChecker(time.Second), Tracer: tracer,
	})
	(&route.Mounter{Tracer: tracer}).Mount(app, thingRoutes()...)
	return app
}

func recorder() (*tracetest.SpanRecorder, trace.Tracer) {
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	return sr, tp.Tracer("test")
}

func sendTo(t *testing.T, app *fiber.App, req *http.Request) (int, map[string]any) {
	t.Helper()
	res, err := app.Test(req, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(res.Body).Decode(&body)
	return res.StatusCode, body
}

// accessLine returns the access log line of path.
func accessLine(t *testing.T, logs *logtest.Buffer, path string) map[string]any {
	t.Helper()
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "http request" && m["path"] == path {
			return m
		}
	}
	t.Fatalf("no access log line for %s in:\n%s", path, logs.String())
	return nil
}

func TestTracedRequestContinuesTheCallersTrace(t *testing.T) {
	t.Parallel()
	sr, tracer := recorder()
	var logs logtest.Buffer
	app := tracedApp(t, tracer, &logs)
	const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	req := httptest.NewRequest(http.MethodGet, "/v1/things/42?access_token=secret", nil)
	req.Header.Set("traceparent", parent)
	if status, body := sendTo(t, app, req); status != http.StatusOK || body["id"] != "42" {
		t.Fatalf("%d %v", status, body)
	}
	spans := sr.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want the use case and the server's", len(spans))
	}
	useCase, srv := spans[0], spans[1]
	if srv.Name() != "GET /v1/things/:id" || srv.SpanKind() != trace.SpanKindServer {
		t.Errorf("server span %q (%v)", srv.Name(), srv.SpanKind())
	}
	if srv.Parent().TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" || srv.Parent().SpanID().String() != "00f067aa0ba902b7" {
		t.Errorf("server span's parent %v is not the caller's", srv.Parent())
	}
	if useCase.Name() != "things.get" || useCase.Parent().SpanID() != srv.SpanContext().SpanID() {
		t.Errorf("use-case span %q, parent %v", useCase.Name(), useCase.Parent())
	}
	for _, kv := range srv.Attributes() {
		if strings.Contains(kv.Value.Emit(), "secret") {
			t.Errorf("the query string reached the span: %s=%s", kv.Key, kv.Value.Emit())
		}
	}
	line := accessLine(t, &logs, "/v1/things/42")
	if line["trace_id"] != "4bf92f3577b34da6a3ce929d0e0e4736" || line["span_id"] != srv.SpanContext().SpanID().String() {
		t.Errorf("access log line %v does not name the server span", line)
	}
}

func TestTracedProblemCarriesTheTraceID(t *testing.T) {
	t.Parallel()
	sr, tracer := recorder()
	var logs logtest.Buffer
	app := tracedApp(t, tracer, &logs)
	status, body := sendTo(t, app, httptest.NewRequest(http.MethodPost, "/v1/things/7/break", nil))
	if status != http.StatusInternalServerError {
		t.Fatalf("status %d", status)
	}
	spans := sr.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans", len(spans))
	}
	useCase, srv := spans[0], spans[1]
	if body["traceId"] != srv.SpanContext().TraceID().String() {
		t.Errorf("traceId %v, want %s", body["traceId"], srv.SpanContext().TraceID())
	}
	if useCase.Status().Description != "internal_error" || srv.Status().Code.String() != "Error" {
		t.Errorf("statuses: use case %v, server %v", useCase.Status(), srv.Status())
	}
	for _, s := range spans {
		for _, kv := range s.Attributes() {
			if strings.Contains(kv.Value.Emit(), "hunter2") {
				t.Errorf("an error's text reached span %s", s.Name())
			}
		}
	}
	if line := accessLine(t, &logs, "/v1/things/7/break"); line["trace_id"] != body["traceId"] {
		t.Errorf("log line trace_id %v, problem traceId %v", line["trace_id"], body["traceId"])
	}
}

func TestProbesAreNotTraced(t *testing.T) {
	t.Parallel()
	sr, tracer := recorder()
	app := tracedApp(t, tracer, &logtest.Buffer{})
	if status, _ := sendTo(t, app, httptest.NewRequest(http.MethodGet, "/livez", nil)); status != http.StatusOK {
		t.Fatal(status)
	}
	if n := len(sr.Ended()); n != 0 {
		t.Errorf("/livez recorded %d spans", n)
	}
}

func TestUntracedServerAddsNoTraceIDs(t *testing.T) {
	t.Parallel()
	var logs logtest.Buffer
	app := tracedApp(t, nil, &logs)
	req := httptest.NewRequest(http.MethodPost, "/v1/things/7/break", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	_, body := sendTo(t, app, req)
	if _, ok := body["traceId"]; ok {
		t.Errorf("tracing off, yet the problem has a traceId: %v", body)
	}
	if line := accessLine(t, &logs, "/v1/things/7/break"); line["trace_id"] != nil {
		t.Errorf("tracing off, yet the log line has a trace_id: %v", line)
	}
}

// A span keeps its request's method after the connection has carried other requests:
// Fiber's Method() aliases a buffer that fasthttp reuses for the connection's next
// request, and a span kept that alias ("GET" read back as "POS" once a POST followed).
func TestTracedMethodOutlivesTheRequest(t *testing.T) {
	t.Parallel()
	sr, tracer := recorder()
	app := tracedApp(t, tracer, &logtest.Buffer{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}} // one keep-alive connection
	base := "http://" + ln.Addr().String()
	sent := []string{http.MethodGet, http.MethodPost, http.MethodDelete, http.MethodGet, http.MethodOptions, http.MethodPost}
	for _, m := range sent {
		path := "/v1/things/x"
		if m == http.MethodPost {
			path += "/break"
		}
		req, _ := http.NewRequest(m, base+path, nil)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	spans := sr.Ended()
	var got []string
	for _, s := range spans {
		if s.SpanKind() != trace.SpanKindServer {
			continue
		}
		for _, a := range s.Attributes() {
			if a.Key == "http.request.method" {
				got = append(got, a.Value.AsString())
			}
		}
		if method, _, _ := strings.Cut(s.Name(), " "); len(got) > 0 && method != got[len(got)-1] {
			t.Errorf("span %q has http.request.method %q", s.Name(), got[len(got)-1])
		}
	}
	if strings.Join(got, ",") != strings.Join(sent, ",") {
		t.Errorf("server spans' methods = %v, want %v", got, sent)
	}
}

// TestUnmatchedPathUnderAMiddlewareIsUnmatched: the api guards /v1 with a middleware
// (app.Use("/v1", ...)); a path under it that no route matches was labelled with that
// middleware's prefix, so every 404 under /v1 was a span "GET /v1" with http.route "/v1"
// and a metric series of a route that does not exist.
func TestUnmatchedPathUnderAMiddlewareIsUnmatched(t *testing.T) {
	t.Parallel()
	sr, tracer := recorder()
	var logs logtest.Buffer
	app := tracedApp(t, tracer, &logs)
	app.Use("/v1", func(c *fiber.Ctx) error { return c.Next() })
	if status, _ := sendTo(t, app, httptest.NewRequest(http.MethodGet, "/v1/nothing/here", nil)); status != http.StatusNotFound {
		t.Fatalf("status %d", status)
	}
	if line := accessLine(t, &logs, "/v1/nothing/here"); line["route"] != "unmatched" {
		t.Errorf("route %v, want unmatched", line["route"])
	}
	spans := sr.Ended()
	if len(spans) != 1 || spans[0].Name() != "GET" {
		t.Fatalf("spans %v", spans)
	}
	for _, kv := range spans[0].Attributes() {
		if kv.Key == "http.route" {
			t.Errorf("an unmatched request has http.route %s", kv.Value.Emit())
		}
	}
}

// TestPanickingUseCaseEndsItsSpan: a use case that panics (recovered into a 500 further
// out) still ends its span, failed, and the request's log line names the server span:
// the span was left open, never exported, while its statements' spans and the log line
// pointed at it.
func TestPanickingUseCaseEndsItsSpan(t *testing.T) {
	t.Parallel()
	sr, tracer := recorder()
	var logs logtest.Buffer
	app := tracedApp(t, tracer, &logs)
	if status, _ := sendTo(t, app, httptest.NewRequest(http.MethodPost, "/v1/things/7/panic", nil)); status != http.StatusInternalServerError {
		t.Fatalf("status %d", status)
	}
	spans := sr.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans ended, want the use case's and the server's", len(spans))
	}
	useCase, srv := spans[0], spans[1]
	if useCase.Name() != "things.panic" || useCase.Status().Code.String() != "Error" || useCase.Status().Description != "panic" {
		t.Errorf("use-case span %q, status %v", useCase.Name(), useCase.Status())
	}
	if line := accessLine(t, &logs, "/v1/things/7/panic"); line["span_id"] != srv.SpanContext().SpanID().String() {
		t.Errorf("log line span_id %v, want the server span's %s", line["span_id"], srv.SpanContext().SpanID())
	}
}
