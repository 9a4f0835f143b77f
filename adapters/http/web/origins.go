package web

import (
	"net"
	"strings"
)

// Origins matches request Origin headers against configured patterns such as
// https://app.example.com or http://localhost:* (a `*` stands for one host label or for
// any port). Origins are parsed, never matched as strings: scheme, host and port are
// compared one by one, so http://localhost:3000.evil.example or
// http://localhost:1@evil.example never pass for http://localhost:*.
type Origins struct {
	patterns []origin
	any      bool
}

// origin is a parsed origin or pattern: scheme, host labels, port ("" when absent).
type origin struct {
	scheme string
	labels []string
	port   string
}

// NewOrigins compiles the allowed origin patterns; "*" allows every origin. Malformed
// patterns (refused by the configuration's validation) are skipped.
func NewOrigins(patterns []string) *Origins {
	o := &Origins{}
	for _, p := range patterns {
		p = strings.TrimRight(strings.TrimSpace(p), "/")
		if p == "*" {
			o.any = true
			continue
		}
		if parsed, ok := parseOrigin(p); ok {
			o.patterns = append(o.patterns, parsed)
		}
	}
	return o
}

// Allowed reports whether origin matches one of the patterns.
func (o *Origins) Allowed(raw string) bool {
	if raw == "" || raw == "null" {
		return false
	}
	got, ok := parseOrigin(raw)
	if !ok || strings.Contains(got.port, "*") || strings.Contains(strings.Join(got.labels, "."), "*") {
		return false
	}
	if o.any {
		return true
	}
	for _, p := range o.patterns {
		if p.matches(got) {
			return true
		}
	}
	return false
}

// parseOrigin accepts exactly scheme://host[:port]: no user info, path, query or fragment.
func parseOrigin(s string) (origin, bool) {
	scheme, rest, ok := strings.Cut(s, "://")
	scheme = strings.ToLower(scheme)
	if !ok || (scheme != "http" && scheme != "https") || rest == "" || strings.ContainsAny(rest, "/?#@\\ ") {
		return origin{}, false
	}
	host, port := rest, ""
	if h, p, err := net.SplitHostPort(rest); err == nil {
		host, port = h, p
		if port == "" || (port != "*" && strings.Trim(port, "0123456789") != "") {
			return origin{}, false
		}
	} else if strings.Contains(rest, ":") && !strings.HasPrefix(rest, "[") {
		return origin{}, false // a colon that is neither a port separator nor inside [IPv6]
	}
	host = strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	if host == "" {
		return origin{}, false
	}
	return origin{scheme: scheme, labels: strings.Split(host, "."), port: port}, true
}

// matches compares scheme, each host label (`*` matches one label) and the port (`*`
// matches any port, or none).
func (p origin) matches(o origin) bool {
	if p.scheme != o.scheme || len(p.labels) != len(o.labels) {
		return false
	}
	for i, l := range p.labels {
		if l != "*" && l != o.labels[i] {
			return false
		}
	}
	return p.port == "*" || p.port == o.port
}
