package redisconn_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/keelhq/keel/platform/redisconn"
	"github.com/keelhq/keel/platform/testkit/redistest"
)

func TestOpenDisabled(t *testing.T) {
	t.Parallel()
	c, err := redisconn.Open(redisconn.Options{})
	if c != nil || err != nil {
		t.Fatalf("Open(\"\") = %v, %v; want nil, nil", c, err)
	}
}

func TestOpenBadURLHidesIt(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"http://:s3cret@h:6379", "redis://:s3cret@h:notaport/0", "redis://:s3cret@h/zz"} {
		c, err := redisconn.Open(redisconn.Options{URL: raw})
		if err == nil {
			_ = c.Close()
			t.Errorf("%q accepted", raw)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "REDIS_URL") {
			t.Errorf("%q: %v", raw, err)
		}
	}
}

func TestPing(t *testing.T) {
	t.Parallel()
	c, err := redisconn.Open(redisconn.Options{URL: redistest.BaseURL()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := redisconn.Ping(ctx, c); err != nil {
		t.Fatalf("Ping the shared server: %v", err)
	}
}

// With Redis down, a command fails within about the timeout instead of retrying for long.
func TestFailsFastWhenDown(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	c, err := redisconn.Open(redisconn.Options{URL: "redis://" + addr + "/0", Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	if err := redisconn.Ping(context.Background(), c); err == nil {
		t.Fatal("Ping of a closed port succeeded")
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("Ping took %s with a 100ms timeout", took)
	}
}

// A server that accepts but never answers is bounded by the timeout too.
func TestTimeoutOnSilentServer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var conns []net.Conn
	go func() {
		defer close(done)
		for {
			cn, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, cn)
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-done
		for _, cn := range conns {
			_ = cn.Close()
		}
	})
	c, err := redisconn.Open(redisconn.Options{URL: "redis://" + ln.Addr().String() + "/0", Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	if err := redisconn.Ping(context.Background(), c); err == nil {
		t.Fatal("Ping of a silent server succeeded")
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("Ping took %s with a 100ms timeout", took)
	}
}
