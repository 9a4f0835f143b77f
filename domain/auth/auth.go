// Package auth is the authentication bounded context: credentials, sessions with rotating
// single-use refresh tokens, short-lived access tokens, password reset and e-mail
// verification. It knows accounts only through the small Accounts port.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/invopop/validation"

	"github.com/keelhq/keel/domain/kernel"
)

// Password length bounds, in characters.
const (
	MinPasswordLength = 8
	MaxPasswordLength = 128
)

// ErrInvalidPassword is the validation error of a password out of bounds.
var ErrInvalidPassword = validation.NewError("invalid_password", "must be between 8 and 128 characters long")

// CheckPassword enforces the password policy.
func CheckPassword(p string) error {
	if p == "" {
		return validation.ErrRequired
	}
	if n := utf8.RuneCountInString(p); n < MinPasswordLength || n > MaxPasswordLength {
		return ErrInvalidPassword
	}
	return nil
}

// Client is the device a request comes from.
type Client struct {
	UserAgent string
	IP        string
}

// Account is what auth knows of a user.
type Account struct {
	ID            uuid.UUID
	Email         kernel.Email
	Role          kernel.Role
	Locale        kernel.Locale
	Active        bool
	EmailVerified bool
}

// Lifetimes bound a session: idle between refreshes, and absolute since sign-in.
type Lifetimes struct {
	Idle     time.Duration
	Absolute time.Duration
	Access   time.Duration
	Reset    time.Duration
	Verify   time.Duration
}

// clean makes client-sent metadata (a user agent, an IP) fit to keep: valid UTF-8 with no
// control characters, cut to at most n bytes on a character boundary.
func clean(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	return truncate(s, n)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// RefreshToken is one link of a session's rotation chain, stored only as a hash.
type RefreshToken struct {
	ID        uuid.UUID
	SessionID uuid.UUID
	Hash      []byte
	CreatedAt time.Time
	SpentAt   time.Time
}

// Purposes of one-time tokens.
const (
	PurposePasswordReset = "password_reset"
	PurposeEmailVerify   = "email_verify"
)

// OneTimeToken is a single-use token sent by e-mail, stored only as a hash.
type OneTimeToken struct {
	ID        uuid.UUID
	UserID    uuid.UUID
	Purpose   string
	Hash      []byte
	CreatedAt time.Time
	ExpiresAt time.Time
}

// tokenBytes is the randomness of refresh and one-time tokens: 256 bits.
const tokenBytes = 32

// newSecret returns a random opaque token and its SHA-256 hash.
func newSecret() (token string, hash []byte) {
	b := make([]byte, tokenBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is how opaque tokens are stored and looked up.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Claims are what an access token asserts.
type Claims struct {
	UserID    uuid.UUID
	SessionID uuid.UUID
	Role      kernel.Role
	IssuedAt  time.Time
	ExpiresAt time.Time
	// Locale is the account's language, known after Authenticate (not carried by tokens).
	Locale kernel.Locale
}

// TokenPair is what a successful sign-in or refresh returns.
type TokenPair struct {
	AccessToken  string
	RefreshToken string
	ExpiresIn    time.Duration
	SessionID    uuid.UUID
}
