package tokens

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseKeys(t *testing.T) {
	t.Parallel()
	s1 := bytes.Repeat([]byte{0xfb, 0xff, 0xbe}, 11) // 33 bytes: '+' and '/' in std, '-' and '_' in url
	s2 := []byte("0123456789abcdef0123456789abcdef")
	cases := map[string]string{
		"std padded":    "new:" + base64.StdEncoding.EncodeToString(s1) + ",old:" + base64.StdEncoding.EncodeToString(s2),
		"std raw":       "new:" + base64.RawStdEncoding.EncodeToString(s1) + ",old:" + base64.RawStdEncoding.EncodeToString(s2),
		"url padded":    "new:" + base64.URLEncoding.EncodeToString(s1) + ",old:" + base64.URLEncoding.EncodeToString(s2),
		"url raw":       "new:" + base64.RawURLEncoding.EncodeToString(s1) + ",old:" + base64.RawURLEncoding.EncodeToString(s2),
		"spaces around": " new:" + base64.StdEncoding.EncodeToString(s1) + " , old:" + base64.StdEncoding.EncodeToString(s2) + " ",
	}
	for name, spec := range cases {
		keys, err := ParseKeys(spec)
		require.NoError(t, err, name)
		assert.Equal(t, []Key{{ID: "new", Secret: s1}, {ID: "old", Secret: s2}}, keys, name)
	}
}

func TestParseKeysErrors(t *testing.T) {
	t.Parallel()
	secret := base64.StdEncoding.EncodeToString([]byte("a-very-secret-value-of-32-bytes!"))
	short := base64.StdEncoding.EncodeToString([]byte("sixteen byte key"))
	notB64 := "this*is*a*secret*that*is*not*base64*at*all"
	cases := map[string]struct{ spec, want string }{
		"empty":          {"", "none given"},
		"blank":          {"  ", "none given"},
		"no colon":       {"k1" + secret, "want kid:base64secret"},
		"empty entry":    {"k1:" + secret + ",", "signing key 2: want kid:base64secret"},
		"empty id":       {":" + secret, "signing key 1: id must be"},
		"empty secret":   {"k1:", `signing key 1 (kid "k1"): secret is not valid base64`},
		"not base64":     {"k1:" + secret + ",k2:" + notB64, `signing key 2 (kid "k2"): secret is not valid base64`},
		"short":          {"k1:" + short, `signing key 1 (kid "k1"): secret is 16 bytes, need at least 32`},
		"duplicate":      {"k1:" + secret + ",k1:" + secret, `duplicate id "k1"`},
		"bad id":         {"k/1:" + secret, "id must be"},
		"id with spaces": {"k 1:" + secret, "id must be"},
	}
	for name, c := range cases {
		_, err := ParseKeys(c.spec)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), c.want, name)
		for _, s := range []string{secret, short, notB64, "a-very-secret", "sixteen byte"} {
			assert.False(t, strings.Contains(err.Error(), s), "%s: error %q echoes the secret", name, err)
		}
	}
}
