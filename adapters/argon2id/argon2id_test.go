package argon2id

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// referenceVector is the Argon2id v1.3 vector of the reference implementation
// (phc-winner-argon2 test.c): "password", salt "somesalt", m=64 MiB, t=2, p=1, 32 bytes.
const referenceVector = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"

func TestReferenceVector(t *testing.T) {
	t.Parallel()
	ref := Params{Memory: 65536, Iterations: 2, Parallelism: 1, SaltLength: 8, KeyLength: 32}
	h := New(ref, 1)
	match, rehash, err := h.Verify(context.Background(), "password", referenceVector)
	require.NoError(t, err)
	assert.True(t, match)
	assert.False(t, rehash, "same parameters")
	assert.Equal(t, referenceVector, encode(ref, []byte("somesalt"), mustKey(t, referenceVector)))
}

func mustKey(t *testing.T, encoded string) []byte {
	t.Helper()
	_, _, key, err := decode(encoded)
	require.NoError(t, err)
	return key
}

func TestHashThenVerify(t *testing.T) {
	t.Parallel()
	h := New(TestParams, 4)
	ctx := context.Background()
	for _, pw := range []string{"correct horse battery staple", "ü∑ unicode ✓", strings.Repeat("x", 128), ""} {
		enc, err := h.Hash(ctx, pw)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$"), enc)
		match, rehash, err := h.Verify(ctx, pw, enc)
		require.NoError(t, err)
		assert.True(t, match, "password %q", pw)
		assert.False(t, rehash)

		match, _, err = h.Verify(ctx, pw+"!", enc)
		require.NoError(t, err)
		assert.False(t, match)
	}
	a, _ := h.Hash(ctx, "same")
	b, _ := h.Hash(ctx, "same")
	assert.NotEqual(t, a, b, "every hash gets a fresh salt")
}

func TestDefaultParamsEncoding(t *testing.T) {
	t.Parallel()
	assert.NoError(t, DefaultParams.Validate())
	assert.NoError(t, TestParams.Validate())
	enc := encode(DefaultParams, make([]byte, 16), make([]byte, 32))
	assert.Equal(t, "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", enc)
	p, salt, key, err := decode(enc)
	require.NoError(t, err)
	assert.Equal(t, DefaultParams, p)
	assert.Len(t, salt, 16)
	assert.Len(t, key, 32)
}

func TestTamperedHashFails(t *testing.T) {
	t.Parallel()
	h := New(TestParams, 1)
	ctx := context.Background()
	enc, err := h.Hash(ctx, "secret-password")
	require.NoError(t, err)
	_, salt, key, _ := decode(enc)

	key[0] ^= 1
	flipped := encode(TestParams, salt, key)
	match, _, err := h.Verify(ctx, "secret-password", flipped)
	require.NoError(t, err)
	assert.False(t, match, "flipped hash bit")

	salt[0] ^= 1
	key[0] ^= 1
	match, _, err = h.Verify(ctx, "secret-password", encode(TestParams, salt, key))
	require.NoError(t, err)
	assert.False(t, match, "flipped salt bit")

	otherT := strings.Replace(enc, "t=1", "t=2", 1)
	match, _, err = h.Verify(ctx, "secret-password", otherT)
	require.NoError(t, err)
	assert.False(t, match, "altered parameters")
}

func TestRehashWhenParamsDiffer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	old := New(TestParams, 1)
	enc, err := old.Hash(ctx, "pw-123456")
	require.NoError(t, err)

	cases := map[string]Params{
		"memory":      {Memory: 128, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32},
		"iterations":  {Memory: 64, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32},
		"parallelism": {Memory: 64, Iterations: 1, Parallelism: 2, SaltLength: 16, KeyLength: 32},
		"salt length": {Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 32, KeyLength: 32},
		"key length":  {Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 64},
	}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := New(p, 1)
			match, rehash, err := h.Verify(ctx, "pw-123456", enc)
			require.NoError(t, err)
			assert.True(t, match, "old hashes keep verifying")
			assert.True(t, rehash)

			match, rehash, err = h.Verify(ctx, "wrong", enc)
			require.NoError(t, err)
			assert.False(t, match)
			assert.False(t, rehash, "no rehash without a match")
		})
	}
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	h := New(TestParams, 1)
	good, err := h.Hash(context.Background(), "pw")
	require.NoError(t, err)
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	with := func(head, params string) string { return "$" + head + "$" + params + "$" + salt + "$" + key }

	cases := map[string]string{
		"empty":               "",
		"garbage":             "not a hash",
		"bcrypt":              "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"argon2i":             with("argon2i$v=19", "m=64,t=1,p=1"),
		"argon2d":             with("argon2d$v=19", "m=64,t=1,p=1"),
		"old version":         with("argon2id$v=16", "m=64,t=1,p=1"),
		"no version":          "$argon2id$m=64,t=1,p=1$" + salt + "$" + key,
		"params reordered":    with("argon2id$v=19", "t=1,m=64,p=1"),
		"params missing":      with("argon2id$v=19", "m=64,t=1"),
		"params extra":        with("argon2id$v=19", "m=64,t=1,p=1,k=2"),
		"leading zero":        with("argon2id$v=19", "m=064,t=1,p=1"),
		"sign":                with("argon2id$v=19", "m=+64,t=1,p=1"),
		"negative":            with("argon2id$v=19", "m=64,t=-1,p=1"),
		"empty number":        with("argon2id$v=19", "m=,t=1,p=1"),
		"zero iterations":     with("argon2id$v=19", "m=64,t=0,p=1"),
		"zero lanes":          with("argon2id$v=19", "m=64,t=1,p=0"),
		"lanes overflow u8":   with("argon2id$v=19", "m=64,t=1,p=256"),
		"memory overflow u32": with("argon2id$v=19", "m=4294967296,t=1,p=1"),
		"memory too large":    with("argon2id$v=19", "m=2000000,t=1,p=1"),
		"memory below 8p":     with("argon2id$v=19", "m=15,t=1,p=2"),
		"iterations too many": with("argon2id$v=19", "m=64,t=65,p=1"),
		"padded salt":         "$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key,
		"bad salt chars":      "$argon2id$v=19$m=64,t=1,p=1$" + strings.Repeat("*", len(salt)) + "$" + key,
		"url alphabet":        "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + strings.Repeat("_", len(key)),
		"short salt":          "$argon2id$v=19$m=64,t=1,p=1$AAAA$" + key,
		"short key":           "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$AAAA",
		"empty key":           "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$",
		"trailing field":      good + "$",
		"no leading dollar":   strings.TrimPrefix(good, "$"),
		"non-canonical bits":  "$argon2id$v=19$m=64,t=1,p=1$" + salt[:len(salt)-1] + "B$" + key,
		"spaces":              " " + good,
	}
	for name, enc := range cases {
		t.Run(name, func(t *testing.T) {
			match, rehash, err := h.Verify(context.Background(), "pw", enc)
			assert.ErrorIs(t, err, ErrMalformed, enc)
			assert.False(t, match)
			assert.False(t, rehash)
		})
	}
}

func TestNewRejectsInvalidParams(t *testing.T) {
	t.Parallel()
	bad := []Params{
		{},
		{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 4, KeyLength: 32},
		{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 8},
		{Memory: 64, Iterations: 0, Parallelism: 1, SaltLength: 16, KeyLength: 32},
		{Memory: 4, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32},
	}
	for _, p := range bad {
		assert.Panics(t, func() { New(p, 1) }, "%+v", p)
	}
	assert.Equal(t, TestParams, New(TestParams, 0).Params())
	assert.Positive(t, cap(New(TestParams, 0).sem))
}

// TestSemaphoreBoundsConcurrency starts more hashes than slots and holds each computation
// until released, recording how many ran at once.
func TestSemaphoreBoundsConcurrency(t *testing.T) {
	t.Parallel()
	const slots, workers = 2, 8
	h := New(TestParams, slots)
	var running, peak atomic.Int32
	entered := make(chan struct{}, workers)
	release := make(chan struct{})
	h.computing = func() {
		n := running.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		entered <- struct{}{}
		<-release
		running.Add(-1)
	}

	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			_, err := h.Hash(context.Background(), "pw")
			assert.NoError(t, err)
		})
	}
	for range slots {
		<-entered
	}
	require.Equal(t, slots, len(h.sem), "every slot is held")

	// A caller whose context ends while waiting gives up with the context's error.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := h.Hash(ctx, "pw")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	_, _, err = h.Verify(cctx, "pw", referenceVector)
	assert.ErrorIs(t, err, context.Canceled)

	// Release the computations one at a time; each frees a slot for a waiter.
	for i := range workers {
		release <- struct{}{}
		if i+slots < workers {
			<-entered
		}
	}
	wg.Wait()
	assert.Equal(t, int32(slots), peak.Load())
	assert.Zero(t, len(h.sem))
}

func BenchmarkHashDefault(b *testing.B) {
	h := New(DefaultParams, 1)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyDefault(b *testing.B) {
	h := New(DefaultParams, 1)
	ctx := context.Background()
	enc, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if ok, _, err := h.Verify(ctx, "correct horse battery staple", enc); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}
