package faultproxy

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/keelhq/keel/platform/testkit/pgtest"
	"github.com/keelhq/keel/platform/testkit/redistest"
)

// echoServer echoes each connection back until the client half-closes.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

// roundTrip sends line and expects it back.
func roundTrip(c net.Conn, r *bufio.Reader, line string) error {
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(line + "\n")); err != nil {
		return err
	}
	got, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if got != line+"\n" {
		return errors.New("echo mismatch: " + got)
	}
	return nil
}

func dial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, bufio.NewReader(c)
}

func TestCutAndRestore(t *testing.T) {
	t.Parallel()
	p := New(t, echoServer(t))
	c, r := dial(t, p.Addr())
	if err := roundTrip(c, r, "hello"); err != nil {
		t.Fatalf("before cut: %v", err)
	}

	p.Cut()
	if err := roundTrip(c, r, "lost"); err == nil {
		t.Fatal("live connection survived Cut")
	}
	if _, err := net.DialTimeout("tcp", p.Addr(), time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial during cut: %v, want connection refused", err)
	}
	p.Cut() // idempotent

	p.Restore()
	p.Restore() // idempotent
	c2, r2 := dial(t, p.Addr())
	if err := roundTrip(c2, r2, "again"); err != nil {
		t.Fatalf("after restore: %v", err)
	}
}

func TestHalfCloseIsForwarded(t *testing.T) {
	t.Parallel()
	p := New(t, echoServer(t))
	c, _ := dial(t, p.Addr())
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	payload := strings.Repeat("x", 1<<20)
	go func() {
		_, _ = c.Write([]byte(payload))
		_ = c.(*net.TCPConn).CloseWrite()
	}()
	got, err := io.ReadAll(c)
	if err != nil || len(got) != len(payload) {
		t.Fatalf("read %d bytes, err %v; want %d and EOF", len(got), err, len(payload))
	}
}

func TestUnreachableTargetClosesClient(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	_ = ln.Close()
	c, _ := dial(t, New(t, dead).Addr())
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("read succeeded through a proxy to a dead target")
	}
}

func TestRedisThroughProxy(t *testing.T) {
	t.Parallel()
	opt, err := redis.ParseURL(redistest.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	p := New(t, opt.Addr)
	c := redis.NewClient(&redis.Options{Addr: p.Addr(), MaxRetries: -1, DialTimeout: time.Second})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("ping through proxy: %v", err)
	}
	p.Cut()
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("ping succeeded during cut")
	}
	p.Restore()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("ping after restore: %v", err)
	}
}

func TestPostgresThroughProxy(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	p := New(t, u.Host)
	u.Host = p.Addr()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatalf("connect through proxy: %v", err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&n); err != nil {
		t.Fatalf("query through proxy: %v", err)
	}
	p.Cut()
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&n); err == nil {
		t.Fatal("query succeeded during cut")
	}
	p.Restore()
	again, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatalf("reconnect after restore: %v", err)
	}
	_ = again.Close(ctx)
}
