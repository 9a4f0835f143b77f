// Package authtest holds the fakes of the auth context's ports that have no in-memory
// adapter (the credential and session store, the password hasher, the access tokens and
// the session broadcast), shared by the unit tests of auth and of the application layer.
// Only tests import it.
package authtest

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/auth"
)

// Hasher "hashes" pw as "hash:"+pw and counts its calls; Verify also accepts "old:"+pw (a
// hash made with older parameters), and reports rehash for any match while Rehash is on.
// Set the fields before the hasher is shared between goroutines.
type Hasher struct {
	Rehash    bool
	HashErr   error
	VerifyErr error

	mu       sync.Mutex
	hashes   int
	verified []string
}

var _ auth.PasswordHasher = (*Hasher)(nil)

// Hash implements auth.PasswordHasher.
func (h *Hasher) Hash(_ context.Context, pw string) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hashes++
	if h.HashErr != nil {
		return "", h.HashErr
	}
	return "hash:" + pw, nil
}

// Verify implements auth.PasswordHasher.
func (h *Hasher) Verify(_ context.Context, pw, encoded string) (bool, bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.verified = append(h.verified, encoded)
	if h.VerifyErr != nil {
		return false, false, h.VerifyErr
	}
	match := encoded == "hash:"+pw || encoded == "old:"+pw
	return match, match && h.Rehash, nil
}

// Hashes returns how many times Hash was called.
func (h *Hasher) Hashes() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.hashes
}

// Verified returns the encoded hashes Verify was given, oldest first.
func (h *Hasher) Verified() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.verified)
}

// Tokens issues opaque "access-<session>-x…" tokens and verifies them by remembering their
// claims. With Err set, Issue fails.
type Tokens struct {
	Err error

	mu     sync.Mutex
	issued map[string]auth.Claims
}

var _ auth.AccessTokens = (*Tokens)(nil)

// Issue implements auth.AccessTokens.
func (f *Tokens) Issue(c auth.Claims) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Err != nil {
		return "", f.Err
	}
	if f.issued == nil {
		f.issued = map[string]auth.Claims{}
	}
	tok := "access-" + c.SessionID.String() + "-" + strings.Repeat("x", len(f.issued))
	f.issued[tok] = c
	return tok, nil
}

// Verify implements auth.AccessTokens: the claims of a token Issue made, or ErrInvalidToken.
func (f *Tokens) Verify(tok string) (auth.Claims, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.issued[tok]
	if !ok {
		return auth.Claims{}, auth.ErrInvalidToken
	}
	return c, nil
}

// Broadcast is an auth.SessionEvents that records the invalidation broadcasts.
type Broadcast struct {
	mu  sync.Mutex
	ids [][]uuid.UUID
}

var _ auth.SessionEvents = (*Broadcast)(nil)

// Invalidate implements auth.SessionEvents.
func (f *Broadcast) Invalidate(_ context.Context, ids ...uuid.UUID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ids = append(f.ids, ids)
}

// All returns every session id broadcast, oldest first.
func (f *Broadcast) All() []uuid.UUID {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []uuid.UUID
	for _, ids := range f.ids {
		out = append(out, ids...)
	}
	return out
}

// Reset forgets the broadcasts so far.
func (f *Broadcast) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ids = nil
}
