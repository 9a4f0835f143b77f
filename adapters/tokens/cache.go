package tokens

import (
	"hash/maphash"
	"strings"
	"sync"
	"time"

	"github.com/keelhq/keel/domain/auth"
)

// cacheShards is the number of independently locked parts of a Cache.
const cacheShards = 16

// Cache is Tokens that remember the tokens they verified until the tokens expire, so that
// a client's every request does not parse and check the same JWT again (the JSON decoding
// of its claims was most of an authenticated request's CPU). A token is the same string
// whenever it is presented, and its signature, issuer, audience and issue time were checked
// once; only its expiry depends on the time, and it is checked on every hit. Failed
// verifications are not remembered. It is safe for concurrent use.
type Cache struct {
	*Tokens
	perShard int
	seed     maphash.Seed
	shards   [cacheShards]tokenShard
}

type tokenShard struct {
	mu      sync.RWMutex
	entries map[string]verified
}

// verified is a token's claims and the instant it stops being accepted.
type verified struct {
	claims auth.Claims
	until  time.Time
}

var _ auth.AccessTokens = (*Cache)(nil)

// NewCache returns t remembering up to about maxEntries verified tokens.
func NewCache(t *Tokens, maxEntries int) *Cache {
	c := &Cache{Tokens: t, perShard: max(1, maxEntries/cacheShards), seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].entries = make(map[string]verified)
	}
	return c
}

// Verify implements auth.AccessTokens, from memory when the token was verified before.
func (c *Cache) Verify(token string) (auth.Claims, error) {
	s := &c.shards[maphash.String(c.seed, token)%cacheShards]
	now := c.now()
	s.mu.RLock()
	v, ok := s.entries[token]
	s.mu.RUnlock()
	if ok && now.Before(v.until) {
		return v.claims, nil
	}
	claims, err := c.Tokens.Verify(token)
	if err != nil {
		return claims, err
	}
	// The parser accepts a token until its expiry plus the leeway.
	until := claims.ExpiresAt.Add(c.leeway)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.entries) >= c.perShard {
		for k, e := range s.entries {
			if !now.Before(e.until) {
				delete(s.entries, k)
			}
		}
		for k := range s.entries {
			if len(s.entries) < c.perShard-c.perShard/8 {
				break
			}
			delete(s.entries, k)
		}
	}
	// The caller's string may alias a request buffer that is reused: keep a copy.
	s.entries[strings.Clone(token)] = verified{claims: claims, until: until}
	return claims, nil
}
