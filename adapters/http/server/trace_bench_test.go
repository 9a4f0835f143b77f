package server_test

import (
	"io"
	"net"
	"testing"

	"github.com/valyala/fasthttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// BenchmarkRequestPath serves GET /v1/things/42 through the whole middleware chain and
// the route adapter, in process: "off" is tracing off (nothing installed, the path a
// process without OTEL_ settings runs), "on" records a server and a use-case span per
// request (sampled, then dropped: no exporter).
func BenchmarkRequestPath(b *testing.B) {
	for _, bc := range []struct {
		name   string
		tracer trace.Tracer
	}{
		{"off", nil},
		{"on", sdktrace.NewTracerProvider().Tracer("bench")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			app := tracedApp(b, bc.tracer, io.Discard)
			handler := app.Handler()
			var req fasthttp.Request
			req.Header.SetMethod("GET")
			req.SetRequestURI("/v1/things/42")
			var ctx fasthttp.RequestCtx
			ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4000}, nil)
			b.ReportAllocs()
			for b.Loop() {
				handler(&ctx)
				if ctx.Response.StatusCode() != 200 {
					b.Fatalf("status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
				}
				ctx.Response.Reset()
				ctx.ResetUserValues() // as the server does between requests
			}
		})
	}
}
