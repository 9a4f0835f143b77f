// Package faultproxy is a TCP proxy for fault injection: put it between a client and a
// real server (PostgreSQL, Redis, an HTTP service) and Cut the link to see how the client
// copes with an outage, then Restore it to see it recover.
package faultproxy

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// Proxy forwards TCP connections from Addr to a target address.
type Proxy struct {
	t      testing.TB
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener // nil while cut
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// New starts a proxy on a free port on 127.0.0.1 forwarding to target ("host:port"). The
// proxy is closed, with all its connections, when the test ends.
func New(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("faultproxy: %v", err)
	}
	p := &Proxy{t: t, target: target, addr: ln.Addr().String(), ln: ln, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.serve(ln)
	t.Cleanup(p.close)
	return p
}

// Addr is the proxy's "127.0.0.1:PORT"; it stays the same across Cut and Restore.
func (p *Proxy) Addr() string { return p.addr }

// Cut simulates an outage: every live connection is reset (both the client's and the
// server's side) and new connections are refused until Restore.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	p.dropConns()
}

// Restore ends an outage: the proxy accepts connections again on the same address. It
// must be called from the test's goroutine (it fails the test if the port was taken).
func (p *Proxy) Restore() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil || p.closed {
		return
	}
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("faultproxy: listen again on %s: %v", p.addr, err)
	}
	p.ln = ln
	p.wg.Add(1)
	go p.serve(ln)
}

// close stops the proxy and waits for its goroutines.
func (p *Proxy) close() {
	p.mu.Lock()
	p.closed = true
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	p.dropConns()
	p.mu.Unlock()
	p.wg.Wait()
}

// dropConns resets every live connection. The caller holds mu.
func (p *Proxy) dropConns() {
	for c := range p.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // reset, not an orderly close: the peer must see a failure
		}
		_ = c.Close()
		delete(p.conns, c)
	}
}

// serve accepts connections on ln until it is closed.
func (p *Proxy) serve(ln net.Listener) {
	defer p.wg.Done()
	for {
		client, err := ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go p.forward(ln, client)
	}
}

// forward connects client to the target and copies both ways until either side is done
// or the connection is dropped.
func (p *Proxy) forward(ln net.Listener, client net.Conn) {
	defer p.wg.Done()
	server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		_ = client.Close()
		return
	}
	if !p.track(ln, client, server) {
		_ = client.Close()
		_ = server.Close()
		return
	}
	var copies sync.WaitGroup
	copies.Add(2)
	go pipe(&copies, server, client)
	go pipe(&copies, client, server)
	copies.Wait()
	p.mu.Lock()
	delete(p.conns, client)
	delete(p.conns, server)
	p.mu.Unlock()
	_ = client.Close()
	_ = server.Close()
}

// track registers a new pair of connections, unless ln was closed by a Cut meanwhile.
func (p *Proxy) track(ln net.Listener, conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != ln {
		return false
	}
	for _, c := range conns {
		p.conns[c] = struct{}{}
	}
	return true
}

// pipe copies src to dst. At src's orderly end of stream it half-closes dst, passing the
// end on; on an error it closes both, which ends the opposite direction too.
func pipe(wg *sync.WaitGroup, dst, src net.Conn) {
	defer wg.Done()
	if _, err := io.Copy(dst, src); err != nil {
		_ = dst.Close()
		_ = src.Close()
		return
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}
