package ws

import (
	"context"
	"net"
	"net/http"
	"runtime"
	"testing"
	"time"

	fws "github.com/fasthttp/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/http/route"
	"github.com/keelhq/keel/adapters/postgres/eventlog"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/platform/i18n"
	"github.com/keelhq/keel/platform/testkit/pgtest"
)

// anyToken accepts every token as one session of one account: the benchmark measures the
// hub, not authentication.
type anyToken struct{ claims auth.Claims }

func (a anyToken) Authenticate(context.Context, string) (auth.Claims, error) { return a.claims, nil }

// BenchmarkConnectionMemory opens 1,000 connections per iteration to a hub on a real
// listener and reports the Go heap and stacks they hold, per connection (the api's share of
// its RSS per connection). Run with -memprofile to see where it goes:
//
//	go test -run '^$' -bench ConnectionMemory -memprofile mem.out ./adapters/ws && go tool pprof -sample_index=inuse_space mem.out
func BenchmarkConnectionMemory(b *testing.B) {
	bundle, err := i18n.NewBundle()
	if err != nil {
		b.Fatal(err)
	}
	id := uuid.Must(uuid.NewV7())
	h := New(Deps{
		Auth: anyToken{auth.Claims{UserID: id, SessionID: uuid.Must(uuid.NewV7()), Role: kernel.RoleUser}},
		Log:  eventlog.New(pgtest.Open(b).Bun), Bundle: bundle,
		Options: Options{MaxConnsPerUser: 1 << 20},
	})
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	new(route.Mounter).Mount(app, h.Route())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = h.Shutdown(ctx)
		_ = app.Shutdown()
	})
	url := "ws://" + ln.Addr().String() + Path
	const perIteration = 1000
	var clients []*fws.Conn
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for range b.N {
		for range perIteration {
			c, _, err := fws.DefaultDialer.Dial(url, http.Header{"Authorization": {"Bearer x"}})
			if err != nil {
				b.Fatal(err)
			}
			if _, _, err := c.ReadMessage(); err != nil { // the welcome
				b.Fatal(err)
			}
			clients = append(clients, c)
		}
	}
	b.StopTimer()
	for h.Conns() < len(clients) {
		time.Sleep(10 * time.Millisecond)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	// The clients live in this process too: this is both ends of each connection; the
	// api's own figure is bench/ws's RSS per connection.
	held := float64(after.HeapInuse+after.StackInuse) - float64(before.HeapInuse+before.StackInuse)
	b.ReportMetric(held/float64(len(clients)), "B/conn-pair")
	for _, c := range clients {
		_ = c.Close()
	}
}
