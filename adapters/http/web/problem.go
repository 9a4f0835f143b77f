package web

import (
	"encoding/json"
	"strings"

	"github.com/keelhq/keel/platform/validate"
)

// ContentTypeProblem is the media type of every error response.
const ContentTypeProblem = "application/problem+json"

// Problem is an RFC 9457 problem details object, with Keel's `code`, `requestId`,
// `traceId` (when the request is traced) and field `errors` members.
type Problem struct {
	Type       string                `json:"type"`
	Title      string                `json:"title"`
	Status     int                   `json:"status"`
	Detail     string                `json:"detail,omitempty"`
	Code       string                `json:"code"`
	Instance   string                `json:"instance,omitempty"`
	RequestID  string                `json:"requestId,omitempty"`
	TraceID    string                `json:"traceId,omitempty"`
	Errors     []validate.FieldError `json:"errors,omitempty"`
	Extensions map[string]any        `json:"-"`
}

// TypeURI is the documentation link of a problem code.
func TypeURI(code string) string {
	return "/docs/problems#" + strings.ReplaceAll(code, "_", "-")
}

// standardMembers are the JSON names of Problem's own members: an extension of the same
// name is dropped, so a client never sees a member twice.
var standardMembers = map[string]bool{
	"type": true, "title": true, "status": true, "detail": true, "code": true,
	"instance": true, "requestId": true, "traceId": true, "errors": true,
}

// MarshalJSON writes the standard members followed by the extensions (an extension named
// like a standard member is left out).
func (p Problem) MarshalJSON() ([]byte, error) {
	type plain Problem
	base, err := json.Marshal(plain(p))
	if err != nil || len(p.Extensions) == 0 {
		return base, err
	}
	extra := make(map[string]any, len(p.Extensions))
	for k, v := range p.Extensions {
		if !standardMembers[k] {
			extra[k] = v
		}
	}
	if len(extra) == 0 {
		return base, nil
	}
	ext, err := json.Marshal(extra)
	if err != nil {
		return nil, err
	}
	// Both are JSON objects: splice the extension members into the base object.
	out := make([]byte, 0, len(base)+len(ext))
	out = append(out, base[:len(base)-1]...)
	out = append(out, ',')
	return append(out, ext[1:]...), nil
}
