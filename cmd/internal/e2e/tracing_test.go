package e2e_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keelhq/keel/platform/testkit/otlptest"
	"github.com/keelhq/keel/platform/testkit/proctest"
)

// spanWait bounds the wait for spans (exported every 100 ms in these tests).
const spanWait = 30 * time.Second

// tracedStack is a stack whose processes export their spans to rcv, quickly.
func tracedStack(t *testing.T, rcv *otlptest.Receiver) *stack {
	return newStack(t, "OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.URL, "OTEL_BSP_SCHEDULE_DELAY=100")
}

// serverSpan finds the api's server span of the request with the given X-Request-Id.
func serverSpan(spans []otlptest.Span, requestID string) (otlptest.Span, bool) {
	for _, s := range spans {
		if s.Service == "keel-api" && s.Kind == "SPAN_KIND_SERVER" && s.Attrs["keel.request_id"] == requestID {
			return s, true
		}
	}
	return otlptest.Span{}, false
}

// inTrace returns the spans of trace id that satisfy ok.
func inTrace(spans []otlptest.Span, traceID string, ok func(otlptest.Span) bool) []otlptest.Span {
	var out []otlptest.Span
	for _, s := range spans {
		if s.TraceID == traceID && ok(s) {
			out = append(out, s)
		}
	}
	return out
}

// accessLog waits for the api's access log line of the request with requestID.
func accessLog(t *testing.T, api *node, requestID string) map[string]any {
	t.Helper()
	proctest.WaitOutput(t, api.Process, `"request_id":"`+requestID+`"`, 10*time.Second)
	for _, line := range strings.Split(api.Output(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "http request" && m["request_id"] == requestID {
			return m
		}
	}
	t.Fatalf("no access log line for request %s", requestID)
	return nil
}

// TestTracingFollowsARequestAcrossProcesses is acceptance 2 of issue 11: with tracing on
// against a local OTLP receiver, one request that enqueues a job yields its HTTP, use-case
// and SQL spans in one trace, whose id is in the request's log line, and the worker's job
// span in that same trace; an error's problem names its trace; and an event the request
// wrote is published by the worker and delivered by the api in the request's trace.
func TestTracingFollowsARequestAcrossProcesses(t *testing.T) {
	t.Parallel()
	rcv := otlptest.Start(t)
	s := tracedStack(t, rcv)
	api := s.start("api")
	s.start("worker")
	email := idEmail("trace")
	reg := do(t, http.MethodPost, api.URL+"/v1/auth/register",
		map[string]any{"email": email, "password": "pw-trace-" + idRandom(6), "name": "Tracy"})
	idStatus(t, reg, http.StatusCreated)

	// One request that enqueues a job: the reset e-mail of an existing account.
	r := do(t, http.MethodPost, api.URL+"/v1/auth/password/forgot", map[string]any{"email": email})
	idStatus(t, r, http.StatusAccepted)
	requestID := r.Header.Get("X-Request-Id")
	var traceID string
	rcv.WaitFor(t, spanWait, "job span in the forgot request's trace", func(spans []otlptest.Span) bool {
		srv, ok := serverSpan(spans, requestID)
		traceID = srv.TraceID
		return ok && len(inTrace(spans, traceID, func(s otlptest.Span) bool {
			return s.Service == "keel-worker" && s.Name == "job auth.send_password_reset"
		})) == 1
	})
	spans := rcv.Spans()
	srv, _ := serverSpan(spans, requestID)
	if srv.Name != "POST /v1/auth/password/forgot" || srv.Attrs["http.response.status_code"] != "202" {
		t.Errorf("server span %q %v", srv.Name, srv.Attrs)
	}
	useCase := inTrace(spans, traceID, func(s otlptest.Span) bool {
		return s.Attrs["keel.operation"] != "" && s.ParentSpanID == srv.SpanID
	})
	if len(useCase) != 1 || useCase[0].Name != useCase[0].Attrs["keel.operation"] || !strings.Contains(useCase[0].Name, "orgot") {
		t.Errorf("use-case span: %s", otlptest.Describe(useCase))
	}
	sql := inTrace(spans, traceID, func(s otlptest.Span) bool { return s.Attrs["db.system.name"] == "postgresql" })
	if len(sql) == 0 {
		t.Errorf("no SQL span in the trace:\n%s", otlptest.Describe(inTrace(spans, traceID, func(otlptest.Span) bool { return true })))
	}
	for _, s := range sql {
		if strings.Contains(s.Attrs["db.query.text"], email) || strings.Contains(strings.ToLower(s.Attrs["db.query.text"]), "trace-") {
			t.Errorf("an SQL span carries the e-mail address: %q", s.Attrs["db.query.text"])
		}
	}
	if line := accessLog(t, api, requestID); line["trace_id"] != traceID || line["span_id"] != srv.SpanID {
		t.Errorf("log line %v does not name trace %s, span %s", line, traceID, srv.SpanID)
	}

	// An error: its problem's traceId is its request's trace.
	bad := do(t, http.MethodPost, api.URL+"/v1/auth/password/forgot", map[string]any{"email": "not-an-address"})
	p := wantProblem(t, bad, http.StatusBadRequest, "validation_failed")
	badID := bad.Header.Get("X-Request-Id")
	rcv.WaitFor(t, spanWait, "the failed request's server span", func(spans []otlptest.Span) bool {
		srv, ok := serverSpan(spans, badID)
		return ok && p["traceId"] == srv.TraceID
	})
	if line := accessLog(t, api, badID); line["trace_id"] != p["traceId"] {
		t.Errorf("log line trace_id %v, problem traceId %v", line["trace_id"], p["traceId"])
	}

	// The registration's event: published by the worker, delivered by the api, in its trace.
	rcv.WaitFor(t, spanWait, "the registration's event published and delivered in its trace", func(spans []otlptest.Span) bool {
		srv, ok := serverSpan(spans, reg.Header.Get("X-Request-Id"))
		return ok && len(inTrace(spans, srv.TraceID, func(s otlptest.Span) bool {
			return s.Service == "keel-worker" && strings.HasPrefix(s.Name, "publish ")
		})) > 0 && len(inTrace(spans, srv.TraceID, func(s otlptest.Span) bool {
			return s.Service == "keel-api" && strings.HasPrefix(s.Name, "deliver ")
		})) > 0
	})
}

// TestTracingOff is the other half: with tracing off (explicitly, while an endpoint is
// set) no trace id appears in a log line or a problem, even for a request carrying a
// traceparent, and nothing connects to the collector, the shutdown included.
func TestTracingOff(t *testing.T) {
	t.Parallel()
	rcv := otlptest.Start(t)
	s := newStack(t, "OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.URL, "OTEL_BSP_SCHEDULE_DELAY=100")
	api := s.start("api", "OTEL_TRACES_EXPORTER=none")
	api2 := s.start("api", "OTEL_SDK_DISABLED=true")
	worker := s.start("worker", "OTEL_SDK_DISABLED=true")
	db := idDB(t, s)
	const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	for _, n := range []*node{api, api2} {
		email := idEmail("untraced")
		idRegister(t, n.URL, email, "pw-untraced-"+idRandom(6), "Una", "")
		r := do(t, http.MethodPost, n.URL+"/v1/auth/password/forgot", map[string]any{"email": email}, "traceparent", parent)
		idStatus(t, r, http.StatusAccepted)
		idWaitMailJobs(t, db, email, "")
		p := wantProblem(t, do(t, http.MethodPost, n.URL+"/v1/auth/password/forgot",
			map[string]any{"email": "nope"}, "traceparent", parent), http.StatusBadRequest, "validation_failed")
		if _, ok := p["traceId"]; ok {
			t.Errorf("tracing off, yet the problem has a traceId: %v", p)
		}
	}
	for _, n := range []*node{api, api2, worker} {
		if code := n.Stop(15 * time.Second); code != 0 {
			t.Errorf("exit %d", code)
		}
		if out := n.Output(); strings.Contains(out, "trace_id") || strings.Contains(out, "4bf92f35") {
			t.Errorf("tracing off, yet the log names a trace:\n%s", out)
		}
	}
	if c := rcv.Connections(); c != 0 {
		t.Errorf("tracing off, yet %d connections reached the collector", c)
	}
}

// TestBadTracingSettingStopsTheProcess: a value Keel cannot honour stops the process at
// start with status 2 and one line naming the variable, whichever of the OTEL_ variables
// it is: those the exporter and the batching processor read themselves included (they
// used to print a bad header, an API key, on standard error and carry on; a schedule
// delay of 0 spun a core; a negative queue size panicked).
func TestBadTracingSettingStopsTheProcess(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	const secret = "s3cr3t-collector-key"
	for _, bad := range []struct{ key, value string }{
		{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"},
		{"OTEL_EXPORTER_OTLP_HEADERS", "Authorization: Bearer " + secret},
		{"OTEL_BSP_SCHEDULE_DELAY", "0"},
		{"OTEL_BSP_MAX_QUEUE_SIZE", "-1"},
		{"OTEL_RESOURCE_ATTRIBUTES", "garbage"},
		{"OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/ca.pem"},
	} {
		p := proctest.Start(t, s.bins["api"], proctest.Options{Env: append(s.env[:len(s.env):len(s.env)],
			"HTTP_ADDR="+proctest.FreeAddr(t), "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318", bad.key+"="+bad.value)})
		code, err := p.Wait(startTimeout)
		out := strings.TrimSpace(p.Output())
		if err != nil || code != 2 || !strings.Contains(out, bad.key) || strings.Contains(out, "\n") {
			t.Errorf("%s=%s: exit %d (%v), output:\n%s", bad.key, bad.value, code, err, out)
		}
		if strings.Contains(out, secret) {
			t.Errorf("%s: the output quotes the header's secret:\n%s", bad.key, out)
		}
	}
}
