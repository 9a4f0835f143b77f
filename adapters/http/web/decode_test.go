package web_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/domain/kernel/kerneltest"
)

type decodeTarget struct {
	Name    string `json:"name"`
	Count   int    `json:"count"`
	Address struct {
		City string `json:"city"`
	} `json:"address"`
	Tags []string `json:"tags"`
}

func decode(t *testing.T, contentType, body string) (decodeTarget, error) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	var dst decodeTarget
	var err error
	inCtx(t, req, func(c *fiber.Ctx) { err = web.Decode(c, &dst) })
	return dst, err
}

func TestDecodeAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, contentType, body string
		want                    string
	}{
		{"plain", "application/json", `{"name":"a","count":2}`, "a"},
		{"charset", "application/json; charset=utf-8", `{"name":"b"}`, "b"},
		{"upper-case media type", "Application/JSON", `{"name":"c"}`, "c"},
		{"+json suffix", "application/merge-patch+json", `{"name":"d"}`, "d"},
		{"surrounding whitespace", "application/json", " \n\t{\"name\":\"e\"}\n ", "e"},
		{"empty body without content type", "", "", ""},
		{"whitespace body without content type", "", "  \n", ""},
		{"empty body with any content type", "text/plain", "", ""},
		{"null", "application/json", "null", ""},
		{"unicode", "application/json", `{"name":"Zoë 👋"}`, "Zoë 👋"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := decode(t, tt.contentType, tt.body)
			if err != nil || got.Name != tt.want {
				t.Fatalf("Decode = %+v, %v; want name %q", got, err, tt.want)
			}
		})
	}
}

func TestDecodeRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, contentType, body string
		status                  int
		code                    string // web.Error code, or "field:<name>" for a field error
	}{
		{"unknown field", "application/json", `{"name":"a","role":"admin"}`, 400, "unknown_field"},
		{"unknown nested field", "application/json", `{"address":{"city":"x","zip":"1"}}`, 400, "unknown_field"},
		{"syntax error", "application/json", `{"name":}`, 400, "invalid_json"},
		{"truncated", "application/json", `{"name":"a"`, 400, "invalid_json"},
		{"trailing object", "application/json", `{"name":"a"}{}`, 400, "invalid_json"},
		{"trailing garbage", "application/json", `{"name":"a"} x`, 400, "invalid_json"},
		{"array", "application/json", `[]`, 400, "invalid_json"},
		{"string", "application/json", `"a"`, 400, "invalid_json"},
		{"wrong type", "application/json", `{"count":"two"}`, 400, "field:count"},
		{"wrong nested type", "application/json", `{"address":{"city":5}}`, 400, "field:address.city"},
		{"wrong element type", "application/json", `{"tags":[1]}`, 400, "field:tags"},
		{"overflow", "application/json", `{"count":1e100}`, 400, "field:count"},
		{"text/plain", "text/plain", `{"name":"a"}`, 415, "unsupported_media_type"},
		{"missing content type", "", `{"name":"a"}`, 415, "unsupported_media_type"},
		{"malformed content type", "application/json; charset", `{"name":"a"}`, 415, "unsupported_media_type"},
		{"json-ish", "application/jsonp", `{"name":"a"}`, 415, "unsupported_media_type"},
		{"form", "application/x-www-form-urlencoded", `name=a`, 415, "unsupported_media_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := decode(t, tt.contentType, tt.body)
			if field, ok := strings.CutPrefix(tt.code, "field:"); ok {
				codes := kerneltest.FieldCodes(t, err)
				if len(codes) != 1 || codes[field] != "invalid_type" {
					t.Fatalf("field errors %v, want %s: invalid_type", codes, field)
				}
				return
			}
			var werr *web.Error
			if !errors.As(err, &werr) {
				t.Fatalf("error %T %v, want *web.Error", err, err)
			}
			if werr.Status != tt.status || werr.Code != tt.code {
				t.Fatalf("error %d %s, want %d %s", werr.Status, werr.Code, tt.status, tt.code)
			}
			if tt.code == "unknown_field" && werr.Data["Field"] == "" {
				t.Fatalf("unknown field not named: %v", werr.Data)
			}
		})
	}
}

func TestDecodeUnknownFieldNamed(t *testing.T) {
	t.Parallel()
	_, err := decode(t, "application/json", `{"name":"a","isAdmin":true}`)
	var werr *web.Error
	if !errors.As(err, &werr) || werr.Data["Field"] != "isAdmin" {
		t.Fatalf("error %v, want unknown_field naming isAdmin", err)
	}
}

// Duplicate keys and keys in another case are refused: two parsers must not be able to
// read one body differently.
func TestDecodeRefusesDuplicateAndMiscasedKeys(t *testing.T) {
	t.Parallel()
	for body, code := range map[string]string{
		`{"name":"a","name":"b"}`:                       "duplicate_field",
		`{"address":{"city":"x","city":"y"}}`:           "duplicate_field",
		`{"NAME":"a"}`:                                  "unknown_field",
		`{"Name":"a"}`:                                  "unknown_field",
		`{"address":{"City":"x"}}`:                      "unknown_field",
		`{"tags":["a"],"count":1,"COUNT":2}`:            "unknown_field",
		`{"name":"a","tags":["x","y"],"address":{}}`:    "",
		`{"name":"a","address":{"city":"b"},"count":3}`: "",
	} {
		_, err := decode(t, "application/json", body)
		var werr *web.Error
		switch {
		case code == "" && err != nil:
			t.Errorf("%s: %v", body, err)
		case code != "" && (!errors.As(err, &werr) || werr.Code != code || werr.Status != http.StatusBadRequest):
			t.Errorf("%s: %v, want 400 %s", body, err, code)
		}
	}
}

// Bytes that are not UTF-8, and charsets other than UTF-8, are refused rather than
// quietly turned into U+FFFD; an unknown field's name is echoed cut short and clean.
func TestDecodeRefusesOtherEncodingsAndBoundsEchoes(t *testing.T) {
	t.Parallel()
	type in struct {
		Name string `json:"name"`
	}
	for _, tc := range []struct {
		name, contentType, body string
		status                  int
		code                    string
	}{
		{"invalid UTF-8", "application/json", "{\"name\":\"\xff\xfe\"}", 400, "invalid_json"},
		{"latin-1", "application/json; charset=latin1", `{"name":"a"}`, 415, "unsupported_media_type"},
		{"utf-16", "application/json; charset=utf-16", `{"name":"a"}`, 415, "unsupported_media_type"},
		{"UTF-8 spelled in capitals", "application/json; charset=UTF-8", `{"name":"a"}`, 0, ""},
		{"lone high surrogate", "application/json", `{"name":"ab\ud800cd"}`, 400, "invalid_json"},
		{"lone low surrogate", "application/json", `{"name":"ab\udc00cd"}`, 400, "invalid_json"},
		{"high surrogate at the end", "application/json", `{"name":"ab\ud800"}`, 400, "invalid_json"},
		{"two high surrogates", "application/json", `{"name":"\ud800\ud800"}`, 400, "invalid_json"},
		{"a pair", "application/json", `{"name":"\ud83d\ude00 \u00e9 \\ud800"}`, 0, ""},
	} {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
		req.Header.Set("Content-Type", tc.contentType)
		var err error
		inCtx(t, req, func(c *fiber.Ctx) { err = web.Decode(c, &in{}) })
		var werr *web.Error
		switch {
		case tc.status == 0 && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.status != 0 && (!errors.As(err, &werr) || werr.Status != tc.status || werr.Code != tc.code):
			t.Errorf("%s: %v, want %d %s", tc.name, err, tc.status, tc.code)
		}
	}
	long := `\u001b[2J` + strings.Repeat("k", 10000)
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"`+long+`":1}`))
	req.Header.Set("Content-Type", "application/json")
	var err error
	inCtx(t, req, func(c *fiber.Ctx) { err = web.Decode(c, &in{}) })
	var werr *web.Error
	if !errors.As(err, &werr) || werr.Code != "unknown_field" {
		t.Fatalf("long key: %v", err)
	}
	if f, _ := werr.Data["Field"].(string); len([]rune(f)) > 65 || strings.ContainsRune(f, 0x1b) {
		t.Errorf("echoed field %d characters long: %.40q", len([]rune(f)), f)
	}
}

// TestDecodeKeepsNumbersExactly: a number in a free-form member (map[string]any) is kept
// as the client wrote it, not rounded through float64.
func TestDecodeKeepsNumbersExactly(t *testing.T) {
	t.Parallel()
	req := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(`{"data":{"big":12345678901234567890123,"n":-9007199254740993}}`))
	req.Header.Set("Content-Type", "application/json")
	var dst struct {
		Data map[string]any `json:"data"`
	}
	var err error
	inCtx(t, req, func(c *fiber.Ctx) { err = web.Decode(c, &dst) })
	if err != nil || dst.Data["big"] != json.Number("12345678901234567890123") || dst.Data["n"] != json.Number("-9007199254740993") {
		t.Fatalf("Decode = %#v, %v; want the numbers as written", dst.Data, err)
	}
}
