package boot

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"
	"github.com/valyala/fasthttp"
	"go.uber.org/fx"

	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/logging"
	"github.com/keelhq/keel/platform/testkit/logtest"
	"github.com/keelhq/keel/platform/testkit/otlptest"
	"github.com/keelhq/keel/platform/testkit/pgtest"
	"github.com/keelhq/keel/platform/testkit/redistest"
	"github.com/keelhq/keel/platform/tracing"
)

// BenchmarkAPIGetUser is the server's whole path of an authenticated GET /v1/users/{id}
// (edge inspection, middleware, authentication, route adapter, use case, cache, JSON),
// in process and without the network: the CPU and allocations Keel adds to each request
// of the load suite's hottest endpoint, measurable on a busy machine.
//
// Tracing is off (no OTEL_ variable), as in the load suite; BenchmarkAPIGetUserTraced is
// the same path with tracing on.
func BenchmarkAPIGetUser(b *testing.B) {
	benchGetUser(b, tracing.Settings{})
}

// BenchmarkAPIGetUserTraced is BenchmarkAPIGetUser with tracing on, every request sampled
// and its spans (server, use case, SQL and Redis when uncached) exported to a local
// receiver: what tracing costs a request when it is on.
func BenchmarkAPIGetUserTraced(b *testing.B) {
	rcv := otlptest.Start(b)
	s, err := tracing.FromEnv(config.ProcessAPI, func(k string) (string, bool) {
		return map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": rcv.URL}[k], k == "OTEL_EXPORTER_OTLP_ENDPOINT"
	})
	if err != nil || !s.Enabled {
		b.Fatalf("tracing settings: %v", err)
	}
	benchGetUser(b, s)
}

func benchGetUser(b *testing.B, ts tracing.Settings) {
	for _, tc := range []struct{ name, cache string }{{"cached", "true"}, {"uncached", "false"}} {
		b.Run(tc.name, func(b *testing.B) {
			handler, dbURL := startedAPI(b, ts, map[string]string{"CACHE_ENABLED": tc.cache})
			token, id := signUpAdmin(b, handler, dbURL)
			req := newRequest(fiber.MethodGet, "/v1/users/"+id, token, "")
			benchServe(b, handler, req, fiber.StatusOK) // warm the caches
			b.ReportAllocs()
			b.ResetTimer()
			var ctx fasthttp.RequestCtx
			for b.Loop() {
				ctx.ResetUserValues() // as the server does between requests
				ctx.Init(req, clientAddr, nil)
				handler(&ctx)
				if ctx.Response.StatusCode() != fiber.StatusOK {
					b.Fatalf("status %d: %s\n%s", ctx.Response.StatusCode(), ctx.Response.Body(), benchLog.String())
				}
			}
		})
	}
}

// benchLog is the log of the api under benchmark.
var benchLog logtest.Buffer

// startedAPI assembles and starts the api process on a fresh database and Redis prefix, as
// cmd/api does but without a listener, and returns its server's request handler and its
// database.
func startedAPI(b *testing.B, ts tracing.Settings, env map[string]string) (fasthttp.RequestHandler, string) {
	b.Helper()
	dbURL := pgtest.URL(b)
	vars := map[string]string{
		"APP_ENV": "test", "LOG_LEVEL": "warn", "RATE_LIMIT_ENABLED": "false",
		"DATABASE_URL": dbURL, "REDIS_URL": redistest.BaseURL(), "REDIS_KEY_PREFIX": redistest.Prefix(b),
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := config.LoadFrom(config.ProcessAPI, vars)
	if err != nil {
		b.Fatal(err)
	}
	var app *fiber.App
	fxApp := fx.New(
		fx.Supply(cfg, logging.New(&benchLog, "warn", "api"), ts),
		fx.NopLogger,
		Platform, Mail, Core, Contexts, API, Realtime, fx.Provide(newApp),
		fx.Populate(&app),
	)
	if err := fxApp.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = fxApp.Stop(context.Background()) })
	app.Handler() // builds the route tree, as Listener does
	return app.Server().Handler, dbURL
}

// signUpAdmin registers an account, makes it an administrator and signs it in through
// handler, returning its access token and id.
func signUpAdmin(b *testing.B, handler fasthttp.RequestHandler, dbURL string) (token, id string) {
	b.Helper()
	const email, password = "bench@keel.test", "correct horse battery"
	signUp := `{"email":"` + email + `","password":"` + password + `","name":"Bench"}`
	benchServe(b, handler, newRequest(fiber.MethodPost, "/v1/auth/register", "", signUp), fiber.StatusCreated)
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), `UPDATE users SET role = 'admin' WHERE email = $1`, email); err != nil {
		b.Fatal(err)
	}
	signIn := `{"email":"` + email + `","password":"` + password + `"}`
	body := benchServe(b, handler, newRequest(fiber.MethodPost, "/v1/auth/login", "", signIn), fiber.StatusOK)
	var t struct {
		AccessToken string `json:"accessToken"`
		User        struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	if err := json.Unmarshal(body, &t); err != nil || t.AccessToken == "" || t.User.ID == "" {
		b.Fatalf("login answered %s (%v)", body, err)
	}
	return t.AccessToken, t.User.ID
}

// clientAddr is the benchmark's client.
var clientAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}

// newRequest parses a request from its bytes on the wire, as the server would: the edge
// inspects the raw header.
func newRequest(method, uri, token, body string) *fasthttp.Request {
	raw := method + " " + uri + " HTTP/1.1\r\nHost: api.keel.test\r\n"
	if token != "" {
		raw += "Authorization: Bearer " + token + "\r\n"
	}
	if body != "" {
		raw += "Content-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n"
	}
	req := new(fasthttp.Request)
	if err := req.Read(bufio.NewReader(strings.NewReader(raw + "\r\n" + body))); err != nil {
		panic(err)
	}
	return req
}

// benchServe runs one request through handler and returns the body, failing unless it
// answered want.
func benchServe(b *testing.B, handler fasthttp.RequestHandler, req *fasthttp.Request, want int) []byte {
	b.Helper()
	var ctx fasthttp.RequestCtx
	ctx.Init(req, clientAddr, nil)
	handler(&ctx)
	if got := ctx.Response.StatusCode(); got != want {
		b.Fatalf("%s %s = %d, want %d: %s", req.Header.Method(), req.URI(), got, want, ctx.Response.Body())
	}
	return append([]byte(nil), ctx.Response.Body()...)
}
