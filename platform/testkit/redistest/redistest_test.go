package redistest

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestPrefixIsolatesAndCleansUp(t *testing.T) {
	t.Parallel()
	var prefix string
	var c *redis.Client
	t.Run("inner", func(t *testing.T) {
		c, prefix = Client(t)
		other := Prefix(t)
		if prefix == other || !strings.HasPrefix(prefix, "test:") || !strings.HasSuffix(prefix, ":") {
			t.Fatalf("bad prefixes %q %q", prefix, other)
		}
		// More keys than one SCAN batch, to exercise the cursor loop.
		pipe := c.Pipeline()
		for i := range 2500 {
			pipe.Set(ctx(t), prefix+strconv.Itoa(i), i, 0)
		}
		if _, err := pipe.Exec(ctx(t)); err != nil {
			t.Fatal(err)
		}
	})
	check, err := dial(BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	keys, _, err := check.Scan(ctx(t), 0, prefix+"*", 10000).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 0 {
		t.Fatalf("%d keys under %s left after the test", len(keys), prefix)
	}
	if err := c.Ping(ctx(t)).Err(); err == nil {
		t.Fatal("client still open after the test")
	}
}

func TestServerStopStart(t *testing.T) {
	t.Parallel()
	start := time.Now()
	s := StartServer(t)
	t.Logf("private redis start: %s", time.Since(start))
	opt, err := redis.ParseURL(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	if opt.Addr != s.Addr() {
		t.Fatalf("URL %s and Addr %s disagree", s.URL(), s.Addr())
	}
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, DialTimeout: time.Second})
	defer c.Close()
	if err := c.Set(ctx(t), "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}

	start = time.Now()
	s.Stop()
	t.Logf("private redis stop: %s", time.Since(start))
	if err := ping(s.Addr()); err == nil {
		t.Fatal("PING answered by a stopped server")
	}

	start = time.Now()
	s.Start()
	t.Logf("private redis restart: %s", time.Since(start))
	if err := c.Ping(ctx(t)).Err(); err != nil {
		t.Fatalf("PING after restart: %v", err)
	}
	if n := c.Exists(ctx(t), "k").Val(); n != 0 {
		t.Fatal("data survived a restart of a server without persistence")
	}
}
