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
	if !utf8.Valid(body) { // encoding/json would quietly turn the bad bytes into U+FFFD
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
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &Error{Status: http.StatusBadRequest, Code: "invalid_json"}
	}
	return nil
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
