package web

import (
	"path"
	"strings"
)

// Origins matches request Origin headers against configured patterns such as
// https://app.example.com or http://localhost:* (a `*` stands for one host label or port).
type Origins struct {
	patterns []string
	any      bool
}

// NewOrigins compiles the allowed origin patterns; "*" allows every origin.
func NewOrigins(patterns []string) *Origins {
	o := &Origins{}
	for _, p := range patterns {
		p = strings.ToLower(strings.TrimRight(strings.TrimSpace(p), "/"))
		if p == "*" {
			o.any = true
		}
		if p != "" {
			o.patterns = append(o.patterns, p)
		}
	}
	return o
}

// Allowed reports whether origin matches one of the patterns.
func (o *Origins) Allowed(origin string) bool {
	if origin == "" || origin == "null" {
		return false
	}
	if o.any {
		return true
	}
	origin = strings.ToLower(origin)
	for _, p := range o.patterns {
		if ok, _ := path.Match(p, origin); ok {
			return true
		}
	}
	return false
}
