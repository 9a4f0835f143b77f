package argon2id

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// ErrMalformed is returned by Verify for a string that is not a well-formed Argon2id PHC
// string within the package's limits.
var ErrMalformed = errors.New("argon2id: malformed encoded hash")

// b64 is the PHC encoding of salt and hash: standard alphabet, no padding. Strict mode
// rejects non-zero trailing bits, so each value has exactly one encoding.
var b64 = base64.RawStdEncoding.Strict()

// encode formats a PHC string: $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>.
func encode(p Params, salt, key []byte) string {
	var b strings.Builder
	b.Grow(40 + b64.EncodedLen(len(salt)) + b64.EncodedLen(len(key)))
	b.WriteString("$argon2id$v=")
	b.WriteString(strconv.Itoa(argon2.Version))
	b.WriteString("$m=")
	b.WriteString(strconv.FormatUint(uint64(p.Memory), 10))
	b.WriteString(",t=")
	b.WriteString(strconv.FormatUint(uint64(p.Iterations), 10))
	b.WriteString(",p=")
	b.WriteString(strconv.FormatUint(uint64(p.Parallelism), 10))
	b.WriteByte('$')
	b.WriteString(b64.EncodeToString(salt))
	b.WriteByte('$')
	b.WriteString(b64.EncodeToString(key))
	return b.String()
}

// decode parses a PHC string strictly: the exact field order and spelling encode writes,
// canonical decimal numbers, canonical base64, and parameters within Params.Validate.
func decode(s string) (Params, []byte, []byte, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return Params{}, nil, nil, ErrMalformed
	}
	p, ok := decodeParams(parts[3])
	if !ok {
		return Params{}, nil, nil, ErrMalformed
	}
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return Params{}, nil, nil, ErrMalformed
	}
	p.SaltLength, p.KeyLength = uint32(len(salt)), uint32(len(key))
	if p.Validate() != nil {
		return Params{}, nil, nil, ErrMalformed
	}
	return p, salt, key, nil
}

// decodeParams parses "m=<u32>,t=<u32>,p=<u8>".
func decodeParams(s string) (Params, bool) {
	fields := strings.Split(s, ",")
	if len(fields) != 3 {
		return Params{}, false
	}
	m, ok1 := field(fields[0], "m=", 32)
	t, ok2 := field(fields[1], "t=", 32)
	p, ok3 := field(fields[2], "p=", 8)
	if !ok1 || !ok2 || !ok3 {
		return Params{}, false
	}
	return Params{Memory: uint32(m), Iterations: uint32(t), Parallelism: uint8(p)}, true
}

// field parses name followed by a canonical unsigned decimal of at most bits bits (no
// sign, no leading zeros).
func field(s, name string, bits int) (uint64, bool) {
	digits, ok := strings.CutPrefix(s, name)
	if !ok || digits == "" || len(digits) > 10 || (digits[0] == '0' && len(digits) > 1) {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseUint(digits, 10, bits)
	return v, err == nil
}
