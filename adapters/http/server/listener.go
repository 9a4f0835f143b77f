package server

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Bounds of a lingering close.
const (
	lingerTimeout = time.Second
	lingerLimit   = 1 << 20
)

// Listener wraps ln for serving, with two duties of the server's edge:
//
//   - At most maxPerIP connections are open from one client address (0: no cap); one more
//     is answered 429 problem+json and closed. A trusted proxy (HTTP_TRUSTED_PROXIES),
//     which carries many clients' connections, is not capped. (fasthttp's own
//     MaxConnsPerIP counts IPv4 only and can crash on a connection closed twice.)
//   - When the server closes a connection (after refusing an oversize head or body, say) it
//     first shuts it for writing and reads, for at most a second and a MiB, what the client
//     is still sending: closing a socket with unread input makes the kernel send a reset,
//     which can destroy the answer before the client has read it.
func Listener(ln net.Listener, maxPerIP int, trustedProxies []string) net.Listener {
	return &edgeListener{Listener: ln, max: maxPerIP, open: map[netip.Addr]int{}, proxies: newProxies(trustedProxies)}
}

type edgeListener struct {
	net.Listener
	max     int
	proxies *proxies
	mu      sync.Mutex
	open    map[netip.Addr]int
}

// Accept returns the next connection within the per-address cap.
func (l *edgeListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		tc, ok := c.(*net.TCPConn)
		if !ok {
			return c, nil
		}
		ip := netip.Addr{}
		if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
			ip = ap.Addr().Unmap()
		}
		lc := &lingerConn{TCPConn: tc, release: func() { l.release(ip) }}
		if l.acquire(ip) {
			return lc, nil
		}
		go refuseConn(lc)
	}
}

func (l *edgeListener) acquire(ip netip.Addr) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.max > 0 && l.open[ip] >= l.max && !l.proxies.trusted(ip) {
		return false
	}
	l.open[ip]++
	return true
}

func (l *edgeListener) release(ip netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip] <= 1 {
		delete(l.open, ip)
	} else {
		l.open[ip]--
	}
}

// refuseConn answers a connection over the cap with a 429 problem and closes it.
func refuseConn(c *lingerConn) {
	c.release = func() {} // it was never counted
	id := uuid.Must(uuid.NewV7()).String()
	body := fmt.Sprintf(`{"type":"/docs/problems#too-many-connections","title":"Too many connections",`+
		`"status":429,"detail":"Too many connections from your address.","code":"too_many_connections","requestId":%q}`, id)
	_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = fmt.Fprintf(c, "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/problem+json\r\n"+
		"X-Request-Id: %s\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", id, len(body), body)
	_ = c.Close()
}

type lingerConn struct {
	*net.TCPConn
	once    sync.Once
	release func()
}

// Close returns at once; the socket is closed once the client has stopped sending.
func (c *lingerConn) Close() error {
	c.once.Do(func() { go c.linger() })
	return nil
}

func (c *lingerConn) linger() {
	defer c.release()
	defer c.TCPConn.Close()
	if c.TCPConn.CloseWrite() != nil {
		return
	}
	_ = c.TCPConn.SetReadDeadline(time.Now().Add(lingerTimeout))
	_, _ = io.CopyN(io.Discard, c.TCPConn, lingerLimit)
}
