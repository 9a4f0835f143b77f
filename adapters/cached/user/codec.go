package user

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/user"
)

// codecVersion starts every encoded record; a value of another version is a miss.
const codecVersion = 1

var errCorrupt = errors.New("cached user: corrupt value")

// toBytes encodes a user's state compactly: version, id, five length-prefixed strings,
// three times (unix nanoseconds, 0 for the zero time).
func toBytes(r user.Record) []byte {
	n := 1 + 16 + 5*2 + len(r.Email) + len(r.Name) + len(r.Role) + len(r.Status) + len(r.Locale) + 3*8
	b := make([]byte, 0, n)
	b = append(b, codecVersion)
	b = append(b, r.ID[:]...)
	for _, s := range [...]string{r.Email, r.Name, r.Role, r.Status, r.Locale} {
		b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
		b = append(b, s...)
	}
	for _, t := range [...]time.Time{r.EmailVerifiedAt, r.CreatedAt, r.UpdatedAt} {
		var ns int64
		if !t.IsZero() {
			ns = t.UnixNano()
		}
		b = binary.BigEndian.AppendUint64(b, uint64(ns))
	}
	return b
}

// fromBytes decodes what toBytes encoded. The five strings share one allocation.
func fromBytes(b []byte) (user.Record, error) {
	var r user.Record
	if len(b) < 17+3*8 || b[0] != codecVersion {
		return r, errCorrupt
	}
	r.ID = uuid.UUID(b[1:17])
	text := string(b[17 : len(b)-3*8])
	b = b[len(b)-3*8:]
	for _, s := range [...]*string{&r.Email, &r.Name, &r.Role, &r.Status, &r.Locale} {
		if len(text) < 2 {
			return r, errCorrupt
		}
		n := int(binary.BigEndian.Uint16([]byte(text[:2])))
		if len(text) < 2+n {
			return r, errCorrupt
		}
		*s, text = text[2:2+n], text[2+n:]
	}
	if text != "" {
		return r, errCorrupt
	}
	for i, t := range [...]*time.Time{&r.EmailVerifiedAt, &r.CreatedAt, &r.UpdatedAt} {
		if ns := int64(binary.BigEndian.Uint64(b[i*8:])); ns != 0 {
			*t = time.Unix(0, ns).UTC()
		}
	}
	return r, nil
}
