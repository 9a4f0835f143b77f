package tracing

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// validUTF8 sits in front of the OTLP exporter and repairs every string of a span that is
// not valid UTF-8 (each bad sequence becomes U+FFFD). Protobuf refuses to marshal such a
// string, and the exporter then loses the whole batch: a request path is the client's
// bytes, so one request for /\xff in every batch would cost the spans of all the others.
// A batch with nothing to repair is passed on as it is.
type validUTF8 struct {
	sdktrace.SpanExporter
}

// ExportSpans implements sdktrace.SpanExporter.
func (v validUTF8) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	var out []sdktrace.ReadOnlySpan // a copy, made only when a span needs repair
	for i, s := range spans {
		if spanValid(s) {
			continue
		}
		if out == nil {
			out = slices.Clone(spans)
		}
		out[i] = repair(s)
	}
	if out == nil {
		out = spans
	}
	return v.SpanExporter.ExportSpans(ctx, out)
}

// repairedSpan is a span with its strings made valid.
type repairedSpan struct {
	sdktrace.ReadOnlySpan
	name   string
	attrs  []attribute.KeyValue
	events []sdktrace.Event
	links  []sdktrace.Link
	status sdktrace.Status
}

func (r *repairedSpan) Name() string                     { return r.name }
func (r *repairedSpan) Attributes() []attribute.KeyValue { return r.attrs }
func (r *repairedSpan) Events() []sdktrace.Event         { return r.events }
func (r *repairedSpan) Links() []sdktrace.Link           { return r.links }
func (r *repairedSpan) Status() sdktrace.Status          { return r.status }

func repair(s sdktrace.ReadOnlySpan) *repairedSpan {
	r := &repairedSpan{ReadOnlySpan: s, name: validString(s.Name()), attrs: validAttrs(s.Attributes()), status: s.Status()}
	r.status.Description = validString(r.status.Description)
	for _, e := range s.Events() {
		e.Name, e.Attributes = validString(e.Name), validAttrs(e.Attributes)
		r.events = append(r.events, e)
	}
	for _, l := range s.Links() {
		l.Attributes = validAttrs(l.Attributes)
		r.links = append(r.links, l)
	}
	return r
}

func spanValid(s sdktrace.ReadOnlySpan) bool {
	if !utf8.ValidString(s.Name()) || !utf8.ValidString(s.Status().Description) || !attrsValid(s.Attributes()) {
		return false
	}
	for _, e := range s.Events() {
		if !utf8.ValidString(e.Name) || !attrsValid(e.Attributes) {
			return false
		}
	}
	for _, l := range s.Links() {
		if !attrsValid(l.Attributes) {
			return false
		}
	}
	return true
}

func attrsValid(kvs []attribute.KeyValue) bool {
	for _, kv := range kvs {
		if !utf8.ValidString(string(kv.Key)) {
			return false
		}
		switch kv.Value.Type() {
		case attribute.STRING:
			if !utf8.ValidString(kv.Value.AsString()) {
				return false
			}
		case attribute.STRINGSLICE:
			for _, s := range kv.Value.AsStringSlice() {
				if !utf8.ValidString(s) {
					return false
				}
			}
		}
	}
	return true
}

func validAttrs(kvs []attribute.KeyValue) []attribute.KeyValue {
	out := make([]attribute.KeyValue, len(kvs))
	for i, kv := range kvs {
		out[i] = kv
		out[i].Key = attribute.Key(validString(string(kv.Key)))
		switch kv.Value.Type() {
		case attribute.STRING:
			out[i].Value = attribute.StringValue(validString(kv.Value.AsString()))
		case attribute.STRINGSLICE:
			ss := kv.Value.AsStringSlice()
			for j := range ss {
				ss[j] = validString(ss[j])
			}
			out[i].Value = attribute.StringSliceValue(ss)
		}
	}
	return out
}

func validString(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
