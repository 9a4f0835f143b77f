// Package tokens issues and verifies access tokens as HS256 JWTs and implements
// auth.AccessTokens. Keys form a ring: the first signs, every one verifies, so a rotation
// (put a new key first, keep the old one until its last token expires) signs nobody out.
package tokens

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
)

// maxTokenLength bounds the work spent on a presented token; ours are about 400 bytes.
const maxTokenLength = 4096

// Tokens issues and verifies access tokens. It is safe for concurrent use.
type Tokens struct {
	signer   Key
	keys     map[string][]byte
	issuer   string
	audience string
	now      func() time.Time
	leeway   time.Duration
	parser   *jwt.Parser
}

var _ auth.AccessTokens = (*Tokens)(nil)

// claims is the JWT body: registered claims plus the session id and role.
type claims struct {
	jwt.RegisteredClaims
	SessionID string `json:"sid"`
	Role      string `json:"role"`
}

// New returns Tokens that sign with keys[0] and verify with any of keys, stamping and
// requiring issuer and audience, and tolerating clock skew up to leeway. now is the clock
// (time.Now when nil). Secrets must be at least MinSecretLength bytes; ids unique.
func New(keys []Key, issuer, audience string, leeway time.Duration, now func() time.Time) (*Tokens, error) {
	if err := checkKeys(keys); err != nil {
		return nil, err
	}
	if issuer == "" || audience == "" {
		return nil, errors.New("tokens: issuer and audience are required")
	}
	if leeway < 0 {
		return nil, errors.New("tokens: leeway must not be negative")
	}
	if now == nil {
		now = time.Now
	}
	t := &Tokens{signer: keys[0], keys: make(map[string][]byte, len(keys)), issuer: issuer, audience: audience, now: now, leeway: leeway}
	for _, k := range keys {
		t.keys[k.ID] = slices.Clone(k.Secret)
	}
	t.signer.Secret = t.keys[t.signer.ID]
	t.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(now),
		jwt.WithStrictDecoding(),
	)
	return t, nil
}

// Issue signs c with the first key of the ring. IssuedAt defaults to now; ExpiresAt must
// be after IssuedAt. Times are truncated to whole seconds, as JWT numeric dates are.
func (t *Tokens) Issue(c auth.Claims) (string, error) {
	if c.UserID == uuid.Nil || c.SessionID == uuid.Nil {
		return "", errors.New("issue token: user and session ids are required")
	}
	if _, err := kernel.ParseRole(string(c.Role)); err != nil {
		return "", fmt.Errorf("issue token: role %q: %w", c.Role, err)
	}
	if c.IssuedAt.IsZero() {
		c.IssuedAt = t.now()
	}
	if !c.ExpiresAt.After(c.IssuedAt) {
		return "", errors.New("issue token: expiry must be after issue time")
	}
	body := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    t.issuer,
			Subject:   c.UserID.String(),
			Audience:  jwt.ClaimStrings{t.audience},
			ExpiresAt: jwt.NewNumericDate(c.ExpiresAt),
			IssuedAt:  jwt.NewNumericDate(c.IssuedAt),
			ID:        newJTI(),
		},
		SessionID: c.SessionID.String(),
		Role:      string(c.Role),
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, body)
	tok.Header["kid"] = t.signer.ID
	s, err := tok.SignedString(t.signer.Secret)
	if err != nil {
		return "", fmt.Errorf("issue token: %w", err)
	}
	return s, nil
}

// newJTI returns 128 random bits, base64url-encoded.
func newJTI() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Verify checks the token's algorithm (HS256 only), key id, signature, expiry, issue time,
// issuer and audience, and returns its claims. Every failure wraps auth.ErrInvalidToken
// with a short reason that never contains the token or a key.
func (t *Tokens) Verify(token string) (auth.Claims, error) {
	if len(token) > maxTokenLength {
		return auth.Claims{}, invalid("too long")
	}
	var body claims
	if _, err := t.parser.ParseWithClaims(token, &body, t.key); err != nil {
		return auth.Claims{}, invalid(reason(err))
	}
	return toClaims(&body)
}

// key is the jwt.Keyfunc: it finds the ring key named by the kid header.
func (t *Tokens) key(tok *jwt.Token) (any, error) {
	kid, _ := tok.Header["kid"].(string)
	secret, ok := t.keys[kid]
	if !ok {
		return nil, errUnknownKey
	}
	return secret, nil
}

var errUnknownKey = errors.New("unknown key id")

// toClaims converts verified JWT claims to the domain's, checking the ids and role.
func toClaims(b *claims) (auth.Claims, error) {
	userID, err1 := uuid.Parse(b.Subject)
	sessionID, err2 := uuid.Parse(b.SessionID)
	role, err3 := kernel.ParseRole(b.Role)
	if err1 != nil || err2 != nil || err3 != nil || userID == uuid.Nil || sessionID == uuid.Nil || b.IssuedAt == nil {
		return auth.Claims{}, invalid("bad claims")
	}
	return auth.Claims{
		UserID:    userID,
		SessionID: sessionID,
		Role:      role,
		IssuedAt:  b.IssuedAt.Time,
		ExpiresAt: b.ExpiresAt.Time,
	}, nil
}

// reason names the first check a token failed, for logs.
func reason(err error) string {
	switch {
	case errors.Is(err, errUnknownKey):
		return "unknown key id"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "bad signature"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return "unverifiable (algorithm or key)"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "expired"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "issued in the future"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "required claim missing"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "wrong issuer"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "wrong audience"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed"
	}
	return "invalid"
}

// invalid wraps auth.ErrInvalidToken with a fixed reason.
func invalid(why string) error {
	return fmt.Errorf("access token %s: %w", why, auth.ErrInvalidToken)
}
