package tracing

import (
	"crypto/x509"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The exporter and the batching processor read the variables below themselves and,
// given a bad value, print it on standard error (an OTLP header's value is usually an API
// key) and carry on with a default, or worse: a schedule delay of 0 spins a core, a
// negative queue size panics, a missing CA file falls back to the system roots. Keel
// checks each of them first, with the exporter's own reading of it, so that a bad one
// stops the process with a line naming it. A complaint about a header never quotes it.

// checkExporter checks every variable the exporter, the batching processor and the
// resource read, when tracing is on.
func checkExporter(lookup Lookup, get func(string) string) error {
	checks := []struct {
		key   string
		check func(string) error
	}{
		{"OTEL_EXPORTER_OTLP_HEADERS", checkHeaders},
		{"OTEL_EXPORTER_OTLP_TRACES_HEADERS", checkHeaders},
		{"OTEL_EXPORTER_OTLP_TIMEOUT", positive},
		{"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", positive},
		{"OTEL_EXPORTER_OTLP_COMPRESSION", checkCompression},
		{"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", checkCompression},
		{"OTEL_EXPORTER_OTLP_CERTIFICATE", checkCertificate},
		{"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", checkCertificate},
		{"OTEL_SERVICE_NAME", checkText},
		{"OTEL_RESOURCE_ATTRIBUTES", checkAttributes},
	}
	for _, c := range checks {
		if v := get(c.key); v != "" {
			if err := c.check(v); err != nil {
				return fmt.Errorf("%s: %w", c.key, err)
			}
		}
	}
	return checkBatching(lookup)
}

// checkBatching checks the batching processor's variables, which it reads untrimmed.
func checkBatching(lookup Lookup) error {
	sizes := map[string]int{"OTEL_BSP_MAX_QUEUE_SIZE": 2048, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": 512}
	for _, key := range []string{"OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_EXPORT_TIMEOUT",
		"OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"} {
		v, _ := lookup(key)
		if v == "" {
			continue
		}
		if err := positive(v); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		if _, ok := sizes[key]; ok {
			sizes[key], _ = strconv.Atoi(v)
		}
	}
	if sizes["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"] > sizes["OTEL_BSP_MAX_QUEUE_SIZE"] {
		return fmt.Errorf("OTEL_BSP_MAX_EXPORT_BATCH_SIZE: must not exceed OTEL_BSP_MAX_QUEUE_SIZE (%d)",
			sizes["OTEL_BSP_MAX_QUEUE_SIZE"])
	}
	return nil
}

// positive accepts a whole number above 0 (milliseconds or a count).
func positive(v string) error {
	if n, err := strconv.Atoi(v); err != nil || n <= 0 {
		return fmt.Errorf("%q is not a whole number above 0", v)
	}
	return nil
}

func checkCompression(v string) error {
	if v != "gzip" && v != "none" {
		return fmt.Errorf("%q is not supported (use gzip or none)", v)
	}
	return nil
}

func checkCertificate(path string) error {
	pem, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("cannot read %q", path)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(pem) {
		return fmt.Errorf("%q holds no PEM certificate", path)
	}
	return nil
}

// checkText accepts valid UTF-8 without control characters: OTLP carries strings as
// UTF-8, and an export with any other string is refused whole.
func checkText(v string) error {
	if !utf8.ValidString(v) || strings.ContainsFunc(v, isControl) {
		return fmt.Errorf("must be UTF-8 text without control characters")
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// checkHeaders reads key=value,... as the exporter does (a value percent-decoded); a
// value must make a valid HTTP header. Entries are named by position only.
func checkHeaders(v string) error {
	for i, entry := range strings.Split(v, ",") {
		key, value, found := strings.Cut(entry, "=")
		key = strings.TrimSpace(key)
		if !found || key == "" || strings.ContainsFunc(key, func(r rune) bool { return !isTokenChar(r) }) {
			return fmt.Errorf("entry %d is not name=value with a valid header name (the entry is not shown: it may hold a secret)", i+1)
		}
		decoded, err := url.PathUnescape(value)
		if err != nil || strings.ContainsFunc(decoded, func(r rune) bool { return isControl(r) && r != '\t' }) {
			return fmt.Errorf("the value of entry %d is not a valid percent-encoded header value (not shown: it may be a secret)", i+1)
		}
	}
	return nil
}

// isTokenChar reports whether r may appear in an HTTP header name (RFC 9110 tchar).
func isTokenChar(r rune) bool {
	return r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		strings.ContainsRune("!#$%&'*+-.^_`|~", r))
}

// checkAttributes reads key=value,... as the resource does (a value percent-decoded).
func checkAttributes(v string) error {
	for i, entry := range strings.Split(v, ",") {
		key, value, found := strings.Cut(entry, "=")
		if !found || strings.TrimSpace(key) == "" {
			return fmt.Errorf("entry %d is not key=value", i+1)
		}
		decoded, err := url.PathUnescape(strings.TrimSpace(value))
		if err != nil {
			return fmt.Errorf("entry %d: the value is not percent-encoded correctly", i+1)
		}
		if checkText(key) != nil || checkText(decoded) != nil {
			return fmt.Errorf("entry %d: must be UTF-8 text without control characters", i+1)
		}
	}
	return nil
}

// parseEndpoint checks a collector URL: http or https, a host, and nothing the exporter
// would drop without a word (user information, a query, a fragment; credentials go in
// OTEL_EXPORTER_OTLP_HEADERS). The URL is not quoted: it may hold a password.
func parseEndpoint(key, v string) (*url.URL, error) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s: must be an http:// or https:// URL", key)
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, fmt.Errorf("%s: must not hold user information, a query or a fragment, which the exporter ignores "+
			"(send credentials with OTEL_EXPORTER_OTLP_HEADERS)", key)
	}
	return u, nil
}
