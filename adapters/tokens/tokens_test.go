package tokens

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
)

const (
	issuer   = "https://keel.test"
	audience = "keel-api"
	leeway   = 30 * time.Second
)

var (
	key1 = Key{ID: "k1", Secret: bytes.Repeat([]byte{1}, 32)}
	key2 = Key{ID: "k2", Secret: bytes.Repeat([]byte{2}, 48)}
)

// clock is a settable fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newTokens(t *testing.T, c *clock, keys ...Key) *Tokens {
	t.Helper()
	tk, err := New(keys, issuer, audience, leeway, c.Now)
	require.NoError(t, err)
	return tk
}

func sampleClaims(now time.Time) auth.Claims {
	return auth.Claims{
		UserID: kernel.NewID(), SessionID: kernel.NewID(), Role: kernel.RoleAdmin,
		IssuedAt: now, ExpiresAt: now.Add(15 * time.Minute),
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	c := newClock()
	tk := newTokens(t, c, key1)
	want := sampleClaims(c.Now())
	s, err := tk.Issue(want)
	require.NoError(t, err)

	got, err := tk.Verify(s)
	require.NoError(t, err)
	assert.Equal(t, want.UserID, got.UserID)
	assert.Equal(t, want.SessionID, got.SessionID)
	assert.Equal(t, want.Role, got.Role)
	assert.True(t, want.IssuedAt.Equal(got.IssuedAt))
	assert.True(t, want.ExpiresAt.Equal(got.ExpiresAt))

	header, body := decodeParts(t, s)
	assert.Equal(t, map[string]any{"alg": "HS256", "typ": "JWT", "kid": "k1"}, header)
	for _, claim := range []string{"sub", "sid", "role", "iat", "exp", "iss", "aud", "jti"} {
		assert.Contains(t, body, claim)
	}
	assert.Equal(t, issuer, body["iss"])
	assert.Equal(t, want.SessionID.String(), body["sid"])

	s2, err := tk.Issue(want)
	require.NoError(t, err)
	_, body2 := decodeParts(t, s2)
	assert.NotEqual(t, body["jti"], body2["jti"], "jti is random")
}

func decodeParts(t *testing.T, s string) (header, body map[string]any) {
	t.Helper()
	parts := strings.Split(s, ".")
	require.Len(t, parts, 3)
	for i, dst := range []*map[string]any{&header, &body} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(raw, dst))
	}
	return header, body
}

func TestExpiryAndLeeway(t *testing.T) {
	t.Parallel()
	c := newClock()
	tk := newTokens(t, c, key1)
	claims := sampleClaims(c.Now())
	s, err := tk.Issue(claims)
	require.NoError(t, err)

	c.Add(15*time.Minute + leeway - time.Second)
	_, err = tk.Verify(s)
	assert.NoError(t, err, "expired, but within leeway")

	c.Add(2 * time.Second)
	_, err = tk.Verify(s)
	assert.ErrorIs(t, err, auth.ErrInvalidToken)
	assert.Contains(t, err.Error(), "expired")
}

func TestIssuedInTheFuture(t *testing.T) {
	t.Parallel()
	c := newClock()
	tk := newTokens(t, c, key1)
	claims := sampleClaims(c.Now().Add(leeway + time.Minute))
	s, err := tk.Issue(claims)
	require.NoError(t, err)
	_, err = tk.Verify(s)
	assert.ErrorIs(t, err, auth.ErrInvalidToken)

	claims = sampleClaims(c.Now().Add(leeway - time.Second))
	s, err = tk.Issue(claims)
	require.NoError(t, err)
	_, err = tk.Verify(s)
	assert.NoError(t, err, "clock skew within leeway")
}

func TestWrongIssuerOrAudience(t *testing.T) {
	t.Parallel()
	c := newClock()
	tk := newTokens(t, c, key1)
	for name, other := range map[string][2]string{
		"issuer":   {"https://evil.test", audience},
		"audience": {issuer, "other-api"},
	} {
		signer, err := New([]Key{key1}, other[0], other[1], leeway, c.Now)
		require.NoError(t, err)
		s, err := signer.Issue(sampleClaims(c.Now()))
		require.NoError(t, err)
		_, err = tk.Verify(s)
		assert.ErrorIs(t, err, auth.ErrInvalidToken, name)
		assert.Contains(t, err.Error(), "wrong "+name)
	}
}

// forge signs arbitrary claims with any method, key and kid.
func forge(t *testing.T, m jwt.SigningMethod, key any, kid string, body jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, body)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

func validBody(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"sub": uuid.NewString(), "sid": uuid.NewString(), "role": "user", "jti": "x",
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "iss": issuer, "aud": audience,
	}
}

func TestRefusedTokens(t *testing.T) {
	t.Parallel()
	c := newClock()
	tk := newTokens(t, c, key1)
	now := c.Now()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	with := func(k string, v any) jwt.MapClaims {
		b := validBody(now)
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}

	require.NoError(t, verifyErr(tk, forge(t, jwt.SigningMethodHS256, key1.Secret, "k1", validBody(now))), "the forge helper makes valid tokens")

	cases := map[string]string{
		"alg none":        forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "k1", validBody(now)),
		"RS256":           forge(t, jwt.SigningMethodRS256, rsaKey, "k1", validBody(now)),
		"HS512 same key":  forge(t, jwt.SigningMethodHS512, key1.Secret, "k1", validBody(now)),
		"HS384 same key":  forge(t, jwt.SigningMethodHS384, key1.Secret, "k1", validBody(now)),
		"unknown kid":     forge(t, jwt.SigningMethodHS256, key1.Secret, "k9", validBody(now)),
		"no kid":          forge(t, jwt.SigningMethodHS256, key1.Secret, "", validBody(now)),
		"kid, wrong key":  forge(t, jwt.SigningMethodHS256, key2.Secret, "k1", validBody(now)),
		"no exp":          forge(t, jwt.SigningMethodHS256, key1.Secret, "k1", with("exp", nil)),
		"no iat":          forge(t, jwt.SigningMethodHS256, key1.Secret, "k1", with("iat", nil)),
		"no aud":          forge(t, jwt.SigningMethodHS256, key1.Secret, "k1", with("aud", nil)),
		"no iss":          forge(t, jwt.SigningMethodHS256, key1.Secret, "k1", with("iss", nil)),
		"sub not a uuid":  forge(t, jwt.SigningMethodHS256, key1.Secret, "k1", with("sub", "42")),
		"nil sid":         forge(t, jwt.SigningMethodHS256, key1.Secret, "k1", with("sid", uuid.Nil.String())),
		"no sid":          forge(t, jwt.SigningMethodHS256, key1.Secret, "k1", with("sid", nil)),
		"unknown role":    forge(t, jwt.SigningMethodHS256, key1.Secret, "k1", with("role", "root")),
		"exp as a string": forge(t, jwt.SigningMethodHS256, key1.Secret, "k1", with("exp", "soon")),
		"empty":           "",
		"two parts":       "a.b",
		"garbage":         "not.a.token",
		"too long":        strings.Repeat("a", maxTokenLength+1),
	}
	for name, s := range cases {
		err := verifyErr(tk, s)
		assert.ErrorIs(t, err, auth.ErrInvalidToken, name)
		if err != nil {
			assert.NotContains(t, err.Error(), string(key1.Secret), name)
		}
	}
}

func verifyErr(tk *Tokens, s string) error {
	_, err := tk.Verify(s)
	return err
}

func TestTampering(t *testing.T) {
	t.Parallel()
	c := newClock()
	tk := newTokens(t, c, key1)
	claims := sampleClaims(c.Now())
	claims.Role = kernel.RoleUser
	s, err := tk.Issue(claims)
	require.NoError(t, err)
	parts := strings.Split(s, ".")

	sig := []byte(parts[2])
	sig[10] = map[bool]byte{true: 'B', false: 'A'}[sig[10] == 'A']
	assert.ErrorIs(t, verifyErr(tk, parts[0]+"."+parts[1]+"."+string(sig)), auth.ErrInvalidToken, "signature")

	_, body := decodeParts(t, s)
	body["role"] = "admin"
	raw, _ := json.Marshal(body)
	escalated := parts[0] + "." + base64.RawURLEncoding.EncodeToString(raw) + "." + parts[2]
	err = verifyErr(tk, escalated)
	assert.ErrorIs(t, err, auth.ErrInvalidToken, "payload")
	assert.Contains(t, err.Error(), "bad signature")

	assert.ErrorIs(t, verifyErr(tk, parts[0]+"."+parts[1]+"."), auth.ErrInvalidToken, "stripped signature")
}

func TestRotation(t *testing.T) {
	t.Parallel()
	c := newClock()
	before := newTokens(t, c, key1)
	old, err := before.Issue(sampleClaims(c.Now()))
	require.NoError(t, err)

	rotated := newTokens(t, c, key2, key1)
	_, err = rotated.Verify(old)
	assert.NoError(t, err, "a token of the previous key still verifies")
	fresh, err := rotated.Issue(sampleClaims(c.Now()))
	require.NoError(t, err)
	h, _ := decodeParts(t, fresh)
	assert.Equal(t, "k2", h["kid"], "the first key signs")
	_, err = rotated.Verify(fresh)
	assert.NoError(t, err)
	assert.ErrorIs(t, verifyErr(before, fresh), auth.ErrInvalidToken, "an instance not yet rotated does not know k2")

	retired := newTokens(t, c, key2)
	assert.ErrorIs(t, verifyErr(retired, old), auth.ErrInvalidToken, "the removed key's tokens fail")
	assert.NoError(t, verifyErr(retired, fresh))
}

func TestNewAndIssueValidation(t *testing.T) {
	t.Parallel()
	c := newClock()
	short := Key{ID: "s", Secret: make([]byte, 31)}
	for name, keys := range map[string][]Key{
		"none":         nil,
		"short secret": {key1, short},
		"empty id":     {{ID: "", Secret: key1.Secret}},
		"duplicate id": {key1, {ID: "k1", Secret: key2.Secret}},
		"bad id chars": {{ID: "k 1", Secret: key1.Secret}},
	} {
		_, err := New(keys, issuer, audience, leeway, c.Now)
		assert.Error(t, err, name)
	}
	_, err := New([]Key{key1}, "", audience, leeway, c.Now)
	assert.Error(t, err)
	_, err = New([]Key{key1}, issuer, audience, -time.Second, c.Now)
	assert.Error(t, err)

	// The ring keeps its own copy of the secrets.
	k := Key{ID: "k", Secret: bytes.Repeat([]byte{7}, 32)}
	tk := newTokens(t, c, k)
	s, err := tk.Issue(sampleClaims(c.Now()))
	require.NoError(t, err)
	k.Secret[0] = 8
	assert.NoError(t, verifyErr(tk, s))

	bad := sampleClaims(c.Now())
	bad.Role = "root"
	_, err = tk.Issue(bad)
	assert.Error(t, err)
	bad = sampleClaims(c.Now())
	bad.ExpiresAt = bad.IssuedAt
	_, err = tk.Issue(bad)
	assert.Error(t, err)
	bad = sampleClaims(c.Now())
	bad.SessionID = uuid.Nil
	_, err = tk.Issue(bad)
	assert.Error(t, err)
}

func TestDefaultClock(t *testing.T) {
	t.Parallel()
	tk, err := New([]Key{key1}, issuer, audience, 0, nil)
	require.NoError(t, err)
	now := time.Now()
	s, err := tk.Issue(auth.Claims{UserID: kernel.NewID(), SessionID: kernel.NewID(), Role: kernel.RoleUser, ExpiresAt: now.Add(time.Minute)})
	require.NoError(t, err)
	got, err := tk.Verify(s)
	require.NoError(t, err)
	assert.WithinDuration(t, now, got.IssuedAt, 2*time.Second, "IssuedAt defaults to now")
}

func BenchmarkVerify(b *testing.B) {
	tk, err := New([]Key{key1}, issuer, audience, leeway, nil)
	if err != nil {
		b.Fatal(err)
	}
	s, err := tk.Issue(sampleClaims(time.Now()))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tk.Verify(s); err != nil {
			b.Fatal(err)
		}
	}
}
