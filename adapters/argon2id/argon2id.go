// Package argon2id hashes and verifies passwords with Argon2id (RFC 9106), encoded as PHC
// strings, and implements auth.PasswordHasher. A semaphore bounds how many hashes run at
// once, so a flood of logins queues instead of exhausting memory: each computation holds
// Params.Memory KiB until it ends.
package argon2id

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"runtime"

	"golang.org/x/crypto/argon2"

	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/platform/config"
)

// Params are the Argon2id cost parameters and output sizes.
type Params struct {
	// Memory is the memory cost in KiB.
	Memory uint32
	// Iterations is the number of passes over the memory (the time cost).
	Iterations uint32
	// Parallelism is the number of lanes (threads).
	Parallelism uint8
	// SaltLength is the length of the random salt in bytes.
	SaltLength uint32
	// KeyLength is the length of the derived hash in bytes.
	KeyLength uint32
}

// DefaultParams are OWASP's minimum recommendation for Argon2id: 19 MiB, two passes, one
// lane, a 128-bit salt and a 256-bit hash.
var DefaultParams = Params{Memory: 19456, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// TestParams are deliberately weak parameters that keep tests fast. Never use them in
// production configuration.
var TestParams = Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// Limits on the parameters this package accepts, both for New and when parsing an
// encoded hash: an encoded string read from storage must not be able to make a single
// verification allocate gigabytes or loop for minutes.
const (
	minSaltLength = 8
	minKeyLength  = 16
	maxMemory     = config.Argon2MaxMemory // KiB: 1 GiB
	maxIterations = config.Argon2MaxIterations
	maxThreads    = config.Argon2MaxParallelism
	maxLength     = 1024 // bytes of salt or key
)

// Validate reports whether p is within the limits this package accepts.
func (p Params) Validate() error {
	switch {
	case p.Parallelism < 1 || p.Parallelism > maxThreads:
		return fmt.Errorf("argon2id: parallelism must be between 1 and %d", maxThreads)
	case p.Memory < 8*uint32(p.Parallelism) || p.Memory > maxMemory:
		return fmt.Errorf("argon2id: memory must be between 8*parallelism and %d KiB, got %d", maxMemory, p.Memory)
	case p.Iterations < 1 || p.Iterations > maxIterations:
		return fmt.Errorf("argon2id: iterations must be between 1 and %d, got %d", maxIterations, p.Iterations)
	case p.SaltLength < minSaltLength || p.SaltLength > maxLength:
		return fmt.Errorf("argon2id: salt length must be between %d and %d bytes, got %d", minSaltLength, maxLength, p.SaltLength)
	case p.KeyLength < minKeyLength || p.KeyLength > maxLength:
		return fmt.Errorf("argon2id: key length must be between %d and %d bytes, got %d", minKeyLength, maxLength, p.KeyLength)
	}
	return nil
}

// Hasher hashes passwords with fixed parameters and verifies hashes made with any
// parameters within the package's limits. It is safe for concurrent use.
type Hasher struct {
	params Params
	sem    chan struct{}
	// computing, when set, runs while a slot of the semaphore is held (tests only).
	computing func()
}

var _ auth.PasswordHasher = (*Hasher)(nil)

// New returns a Hasher with parameters p that runs at most maxConcurrent computations at
// once (runtime.GOMAXPROCS when maxConcurrent <= 0); peak memory is about
// maxConcurrent * p.Memory KiB. It panics when p is invalid (see Params.Validate): that is
// a programming or configuration error that must stop start-up.
func New(p Params, maxConcurrent int) *Hasher {
	if err := p.Validate(); err != nil {
		panic(err)
	}
	if maxConcurrent <= 0 {
		maxConcurrent = runtime.GOMAXPROCS(0)
	}
	return &Hasher{params: p, sem: make(chan struct{}, maxConcurrent)}
}

// Params returns the parameters new hashes are made with.
func (h *Hasher) Params() Params { return h.params }

// Hash derives a hash of password with a fresh random salt and returns it as a PHC
// string. It waits for a free slot, or returns ctx's error when ctx ends first.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, h.params.SaltLength)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("argon2id: read salt: %w", err)
	}
	key, err := h.derive(ctx, password, salt, h.params)
	if err != nil {
		return "", err
	}
	return encode(h.params, salt, key), nil
}

// Verify reports whether password matches the PHC string encoded, comparing in constant
// time. rehash is true when the password matched and encoded was made with parameters
// other than the Hasher's, so the caller should store a fresh Hash. A malformed encoding
// is an error; so is ctx ending while waiting for a slot.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (match, rehash bool, err error) {
	p, salt, want, err := decode(encoded)
	if err != nil {
		return false, false, err
	}
	got, err := h.derive(ctx, password, salt, p)
	if err != nil {
		return false, false, err
	}
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false, nil
	}
	return true, p != h.params, nil
}

// derive computes the Argon2id key while holding a slot of the semaphore.
func (h *Hasher) derive(ctx context.Context, password string, salt []byte, p Params) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-h.sem }()
	if h.computing != nil {
		h.computing()
	}
	return argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLength), nil
}
