package tokens

import (
	"errors"
	"testing"
	"time"

	"github.com/keelhq/keel/domain/auth"
)

// A remembered token is still refused once expired (plus leeway), and only the very
// string verified is remembered: any other, however close, is verified in full.
func TestCacheKeepsEveryCheck(t *testing.T) {
	t.Parallel()
	c := newClock()
	tc := NewCache(newTokens(t, c, key1), 100)
	claims := sampleClaims(c.Now())
	tok, err := tc.Issue(claims)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		got, err := tc.Verify(tok)
		if err != nil || got.SessionID != claims.SessionID {
			t.Fatalf("Verify = %+v, %v", got, err)
		}
	}
	tampered := tok[:len(tok)-2] + flip(tok[len(tok)-2]) + tok[len(tok)-1:]
	if _, err := tc.Verify(tampered); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("a tampered token = %v, want ErrInvalidToken", err)
	}
	if _, err := tc.Verify(tampered); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatal("a refused token was remembered as valid")
	}
	c.Add(claims.ExpiresAt.Sub(c.Now()) + leeway - time.Second)
	if _, err := tc.Verify(tok); err != nil {
		t.Fatalf("within the leeway: %v", err)
	}
	c.Add(2 * time.Second)
	if _, err := tc.Verify(tok); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("an expired remembered token = %v, want ErrInvalidToken", err)
	}
}

// The cache stays within its bound.
func TestCacheBounded(t *testing.T) {
	t.Parallel()
	c := newClock()
	tc := NewCache(newTokens(t, c, key1), cacheShards*4)
	for range 500 {
		tok, err := tc.Issue(sampleClaims(c.Now()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tc.Verify(tok); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for i := range tc.shards {
		n += len(tc.shards[i].entries)
	}
	if n > cacheShards*4 {
		t.Fatalf("%d tokens remembered, want at most %d", n, cacheShards*4)
	}
}

func flip(b byte) string {
	if b == 'A' {
		return "B"
	}
	return "A"
}

// BenchmarkCachedVerify is token verification on an authenticated request in the steady
// state (the token was verified before); BenchmarkVerify is the first verification.
func BenchmarkCachedVerify(b *testing.B) {
	tc := NewCache(mustTokens(b), 100_000)
	s, err := tc.Issue(sampleClaims(time.Now()))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tc.Verify(s); err != nil {
			b.Fatal(err)
		}
	}
}

func mustTokens(b *testing.B) *Tokens {
	tk, err := New([]Key{key1}, issuer, audience, leeway, nil)
	if err != nil {
		b.Fatal(err)
	}
	return tk
}
