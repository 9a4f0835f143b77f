package web

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// JSONAppender is a response body that writes its own JSON, byte for byte what
// encoding/json would write for it, without reflection.
type JSONAppender interface {
	AppendJSON(dst []byte) []byte
}

// EncodeJSON is the HTTP server's JSON encoder: a JSONAppender writes itself, anything
// else goes through encoding/json.
func EncodeJSON(v any) ([]byte, error) {
	if a, ok := v.(JSONAppender); ok {
		return a.AppendJSON(make([]byte, 0, 320)), nil // a User is about 250 bytes
	}
	return json.Marshal(v)
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string exactly as encoding/json.Marshal writes it:
// HTML-sensitive characters, control characters, U+2028 and U+2029 escaped, invalid UTF-8
// replaced by U+FFFD.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendJSONTime appends t as encoding/json writes a time.Time (RFC 3339 with nanoseconds,
// quoted).
func AppendJSONTime(dst []byte, t time.Time) []byte {
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"')
}

// AppendJSONBool appends true or false.
func AppendJSONBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, "true"...)
	}
	return append(dst, "false"...)
}

// AppendJSON implements JSONAppender when every item does (else it falls back to
// encoding/json for the page): the bytes encoding/json writes for the page.
func (p Page[T]) AppendJSON(dst []byte) []byte {
	if len(p.Data) > 0 {
		if _, ok := any(p.Data[0]).(JSONAppender); !ok {
			raw, _ := json.Marshal(p)
			return append(dst, raw...)
		}
	}
	if p.Data == nil {
		dst = append(dst, `{"data":null`...)
	} else {
		dst = append(dst, `{"data":[`...)
		for i := range p.Data {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = any(p.Data[i]).(JSONAppender).AppendJSON(dst)
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"pagination":{"limit":`...)
	dst = strconv.AppendInt(dst, int64(p.Pagination.Limit), 10)
	dst = append(dst, `,"nextCursor":`...)
	if p.Pagination.NextCursor == nil {
		dst = append(dst, "null"...)
	} else {
		dst = AppendJSONString(dst, *p.Pagination.NextCursor)
	}
	dst = append(dst, `,"hasMore":`...)
	dst = AppendJSONBool(dst, p.Pagination.HasMore)
	return append(dst, "}}"...)
}
