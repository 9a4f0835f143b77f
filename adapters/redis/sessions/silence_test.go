package sessions

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/keelhq/keel/adapters/redis/pubsub"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/platform/testkit/redistest"
)

// muteProxy forwards TCP to a target, but while muted it swallows whatever the server
// sends: the client sees a live connection that never answers (a silent partition).
type muteProxy struct {
	ln    net.Listener
	muted atomic.Bool
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
}

func newMuteProxy(t *testing.T, target string) *muteProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &muteProxy{ln: ln}
	p.wg.Add(1)
	go p.serve(target)
	t.Cleanup(func() {
		_ = ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			_ = c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *muteProxy) serve(target string) {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", target)
		if err != nil {
			_ = client.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(server, client, func() bool { return false })
		go p.pipe(client, server, p.muted.Load)
	}
}

// pipe copies src to dst, dropping the bytes while mute reports true.
func (p *muteProxy) pipe(dst, src net.Conn, mute func() bool) {
	defer p.wg.Done()
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !mute() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				_ = src.Close()
			}
			return
		}
	}
}

// TestSilentSubscriptionIsDetected: when the server goes silent without closing the
// connection, the PING check notices, answers fall back to the degraded TTL, and the
// subscription recovers (clearing the cache) once the server answers again.
func TestSilentSubscriptionIsDetected(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.Client(t)
	proxy := newMuteProxy(t, rdb.Options().Addr)
	opt := rdb.Options()
	opt.Addr = proxy.ln.Addr().String()
	viaProxy := redis.NewClient(opt)
	t.Cleanup(func() { _ = viaProxy.Close() })

	f := newFake()
	c := New(f, viaProxy, prefix+"sessions", Options{TTL: time.Hour}, discard())
	sub := pubsub.New(viaProxy, discard())
	sub.PingEvery = 50 * time.Millisecond
	listening(t, c, sub)
	eventually(t, 5*time.Second, "subscribed", c.Subscribed)

	proxy.muted.Store(true)
	eventually(t, 2*time.Second, "silence noticed", func() bool { return !c.Subscribed() })
	id := kernel.NewID()
	f.set(id, true)
	state(t, c, id)
	require.Equal(t, 1, c.Len())

	proxy.muted.Store(false)
	eventually(t, 5*time.Second, "subscribed again", c.Subscribed)
	require.Zero(t, c.Len())
}
