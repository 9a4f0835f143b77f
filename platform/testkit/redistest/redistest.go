// Package redistest gives tests Redis: a client on the shared server with a unique key
// prefix (keys under it are deleted when the test ends), or a private redis-server that
// a test may stop and start to simulate an outage.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// EnvURL names the environment variable holding the shared server's URL.
const EnvURL = "KEEL_TEST_REDIS_URL"

// DefaultURL is the shared server used when EnvURL is unset.
const DefaultURL = "redis://127.0.0.1:6379/0"

// BaseURL returns the shared server's URL: EnvURL, or DefaultURL when unset.
func BaseURL() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return DefaultURL
}

// Prefix returns a unique key prefix, "test:<random>:", isolating the test's keys on the
// shared server. Every key under it is deleted (SCAN + UNLINK) when the test ends, so the
// code under test must put all its keys under the prefix.
func Prefix(t testing.TB) string {
	t.Helper()
	var b [8]byte
	_, _ = rand.Read(b[:])
	prefix := "test:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		if err := deletePrefix(prefix); err != nil {
			t.Errorf("redistest: delete keys under %s: %v", prefix, err)
		}
	})
	return prefix
}

// Client returns a client on the shared server and a fresh prefix from Prefix. The server
// must answer PING, or the test fails; the client is closed when the test ends.
func Client(t testing.TB) (*redis.Client, string) {
	t.Helper()
	prefix := Prefix(t)
	c, err := dial(BaseURL())
	if err != nil {
		t.Fatalf("redistest: shared server: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, prefix
}

// dial opens a client on url and checks that the server answers.
func dial(url string) (*redis.Client, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("%s is not a redis:// URL: %w", EnvURL, err)
	}
	c := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("ping %s: %w", opt.Addr, err)
	}
	return c, nil
}

// deletePrefix unlinks every key under prefix on the shared server.
func deletePrefix(prefix string) error {
	c, err := dial(BaseURL())
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, prefix+"*", 1000).Result()
		if err != nil {
			return fmt.Errorf("scan: %w", err)
		}
		if len(keys) > 0 {
			if err := c.Unlink(ctx, keys...).Err(); err != nil {
				return fmt.Errorf("unlink: %w", err)
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}
