package tokens

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// MinSecretLength is the shortest HS256 secret accepted, in bytes (RFC 7518 §3.2: a key
// at least as long as the hash output).
const MinSecretLength = 32

// maxKeyIDLength bounds a key id, which travels in every token's header.
const maxKeyIDLength = 64

// Key is one HMAC key of the ring, named by the id that tokens carry in their kid header.
type Key struct {
	ID     string
	Secret []byte
}

// ParseKeys parses the configuration format "kid1:BASE64SECRET,kid2:BASE64SECRET" (the
// first key signs; all verify). Secrets may use the standard or URL-safe base64 alphabet,
// padded or not. Errors name the key by position and id, never by its secret.
func ParseKeys(spec string) ([]Key, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, errors.New("signing keys: none given (want kid:base64secret[,kid:base64secret...])")
	}
	entries := strings.Split(spec, ",")
	keys := make([]Key, 0, len(entries))
	for i, entry := range entries {
		id, secret, ok := strings.Cut(strings.TrimSpace(entry), ":")
		if !ok {
			return nil, fmt.Errorf("signing key %d: want kid:base64secret", i+1)
		}
		raw, err := decodeSecret(secret)
		if err != nil {
			return nil, fmt.Errorf("signing key %d (kid %q): secret is not valid base64", i+1, id)
		}
		keys = append(keys, Key{ID: id, Secret: raw})
	}
	if err := checkKeys(keys); err != nil {
		return nil, err
	}
	return keys, nil
}

// decodeSecret accepts standard or URL-safe base64, with or without padding.
func decodeSecret(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("empty")
	}
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		var b []byte
		if b, err = enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, err
}

// checkKeys validates a key ring: at least one key, ids unique, non-empty and made of
// [A-Za-z0-9._-], secrets long enough.
func checkKeys(keys []Key) error {
	if len(keys) == 0 {
		return errors.New("signing keys: none given")
	}
	seen := make(map[string]bool, len(keys))
	for i, k := range keys {
		if !validKeyID(k.ID) {
			return fmt.Errorf("signing key %d: id must be 1 to %d characters of A-Z a-z 0-9 . _ -", i+1, maxKeyIDLength)
		}
		if seen[k.ID] {
			return fmt.Errorf("signing key %d: duplicate id %q", i+1, k.ID)
		}
		seen[k.ID] = true
		if len(k.Secret) < MinSecretLength {
			return fmt.Errorf("signing key %d (kid %q): secret is %d bytes, need at least %d", i+1, k.ID, len(k.Secret), MinSecretLength)
		}
	}
	return nil
}

func validKeyID(id string) bool {
	if id == "" || len(id) > maxKeyIDLength {
		return false
	}
	for _, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
		if !ok {
			return false
		}
	}
	return true
}
