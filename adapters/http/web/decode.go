package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/invopop/validation"
)

// Decode reads the request's JSON body into dst strictly: the media type must be JSON,
// unknown fields, duplicate keys, keys spelled in another case and trailing data are
// rejected, and an empty body counts as `{}` so that
// validation, not parsing, reports missing fields.
func Decode(c *fiber.Ctx, dst any) error {
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	} else if !isJSON(c.Get(fiber.HeaderContentType)) {
		return NewError(http.StatusUnsupportedMediaType, "unsupported_media_type")
	}
	// encoding/json would quietly turn bad bytes, and escapes of half a surrogate pair,
	// into U+FFFD: two different bodies would read the same.
	if !utf8.Valid(body) || loneSurrogate(body) {
		return &Error{Status: http.StatusBadRequest, Code: "invalid_json"}
	}
	if err := strictKeys(json.NewDecoder(bytes.NewReader(body)), reflect.TypeOf(dst)); err != nil {
		var werr *Error
		if errors.As(err, &werr) {
			return werr
		}
		// A syntax error: the decoder below reports it the usual way.
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	dec.UseNumber() // a number in a free-form member is kept as written, not rounded
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &Error{Status: http.StatusBadRequest, Code: "invalid_json"}
	}
	return nil
}

// loneSurrogate reports whether body has a \u escape of a UTF-16 surrogate that is not
// half of a pair. In JSON a backslash appears only inside strings, as an escape, so a scan
// of the escapes needs no parser.
func loneSurrogate(body []byte) bool {
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' || i+1 >= len(body) {
			continue
		}
		i++ // the escaped character
		if body[i] != 'u' {
			continue
		}
		r, ok := hex4(body[i+1:])
		switch {
		case !ok || r < 0xD800 || r > 0xDFFF:
		case r >= 0xDC00:
			return true // a low half with no high half before it
		default: // a high half: the next escape must be its low half
			if i+10 >= len(body) || body[i+5] != '\\' || body[i+6] != 'u' {
				return true
			}
			if low, ok := hex4(body[i+7:]); !ok || low < 0xDC00 || low > 0xDFFF {
				return true
			}
			i += 10
		}
	}
	return false
}

// hex4 reads four hexadecimal digits.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

// isJSON accepts JSON media types, in UTF-8 (the only charset JSON has, RFC 8259).
func isJSON(contentType string) bool {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// maxFieldEcho bounds how much of a client's field name an answer repeats.
const maxFieldEcho = 64

// unknownField is the problem of a body member the operation does not take; the name is
// repeated without control characters and cut to maxFieldEcho characters.
func unknownField(name string) *Error {
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	if r := []rune(name); len(r) > maxFieldEcho {
		name = string(r[:maxFieldEcho]) + "…"
	}
	return &Error{Status: http.StatusBadRequest, Code: "unknown_field", Data: map[string]any{"Field": name}}
}

func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return validation.Errors{typeErr.Field: validation.NewError("invalid_type", "has the wrong type")}
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return unknownField(strings.Trim(field, `"`))
	}
	return &Error{Status: http.StatusBadRequest, Code: "invalid_json", Err: err}
}
