package main

import (
	"fmt"
	"slices"
	"strings"
)

// Article is the indefinite article of the context's human name ("an invoice").
func (c *Context) Article() string {
	if strings.ContainsRune("aeiou", rune(c.Human[0])) {
		return "an"
	}
	return "a"
}

// Recv is the receiver (and local variable) name of the entity: its initial, unless
// that letter names something else in the generated code.
func (c *Context) Recv() string {
	r := c.Pkg[:1]
	if strings.Contains("abcdefghiknopqrstvw", r) {
		return "x"
	}
	return r
}

// Has reports whether a field is of one of kinds.
func (c *Context) Has(kinds ...string) bool {
	return slices.ContainsFunc(c.Fields, func(f *Field) bool { return f.Is(kinds...) })
}

// HasOptional reports whether a field of one of kinds (any kind when none is given) is
// optional.
func (c *Context) HasOptional(kinds ...string) bool {
	return slices.ContainsFunc(c.Fields, func(f *Field) bool { return f.Optional && (len(kinds) == 0 || f.Is(kinds...)) })
}

// FilterHas reports whether the list filters on a field of one of kinds.
func (c *Context) FilterHas(kinds ...string) bool {
	return slices.ContainsFunc(c.Fields, func(f *Field) bool { return f.Filterable() && f.Is(kinds...) })
}

// HasFields reports whether the domain declares value types or parsers of its own
// (fields.go).
func (c *Context) HasFields() bool { return c.Has(KindString, KindText, KindEnum, KindDecimal) }

// Filters are the fields the list filters on.
func (c *Context) Filters() []*Field {
	var out []*Field
	for _, f := range c.Fields {
		if f.Filterable() {
			out = append(out, f)
		}
	}
	return out
}

// FilterCases are every filter case of every field.
func (c *Context) FilterCases() []FilterCase {
	var out []FilterCase
	for _, f := range c.Filters() {
		out = append(out, f.FilterCases()...)
	}
	return out
}

// Required are the fields that are not optional.
func (c *Context) Required() []*Field {
	var out []*Field
	for _, f := range c.Fields {
		if !f.Optional {
			out = append(out, f)
		}
	}
	return out
}

// SampleJSON is sample i of every field as one JSON object (absent fields included, as
// null).
func (c *Context) SampleJSON(i int) string {
	parts := make([]string, len(c.Fields))
	for j, f := range c.Fields {
		parts[j] = `"` + f.Name + `":` + f.SampleJSON(i)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// BadJSON is a body in which every field whose bad value is of the right JSON type has
// it (the others have sample A's value).
func (c *Context) BadJSON() string {
	parts := make([]string, len(c.Fields))
	for j, f := range c.Fields {
		v := f.SampleJSON(0)
		if !f.TypeError() {
			v = f.BadJSON()
		}
		parts[j] = `"` + f.Name + `":` + v
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// BadFields are the fields BadJSON gets wrong.
func (c *Context) BadFields() []*Field {
	var out []*Field
	for _, f := range c.Fields {
		if !f.TypeError() {
			out = append(out, f)
		}
	}
	return out
}

// TypeErrorFields are the fields whose bad value is of the wrong JSON type.
func (c *Context) TypeErrorFields() []*Field {
	var out []*Field
	for _, f := range c.Fields {
		if f.TypeError() {
			out = append(out, f)
		}
	}
	return out
}

// WithField is sample A as JSON with the field's value replaced by raw.
func (c *Context) WithField(field *Field, raw string) string {
	parts := make([]string, len(c.Fields))
	for j, f := range c.Fields {
		v := f.SampleJSON(0)
		if f == field {
			v = raw
		}
		parts[j] = `"` + f.Name + `":` + v
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// ResourceKeys are the members of the API's resource, sorted.
func (c *Context) ResourceKeys() []string {
	keys := []string{"id", "ownerId", "createdAt", "updatedAt"}
	for _, f := range c.Fields {
		keys = append(keys, f.Name)
	}
	slices.Sort(keys)
	return keys
}

// TitleHuman is the human name with a capital ("Line item").
func (c *Context) TitleHuman() string { return upperFirst(c.Human) }

// TypePlural names the Handler's service: Invoices.
func (c *Context) TypePlural() string { return exported(words(c.Table)) }

// Audited are the fields whose changes the audit trail keeps.
func (c *Context) Audited() []*Field {
	var out []*Field
	for _, f := range c.Fields {
		if f.Audited() {
			out = append(out, f)
		}
	}
	return out
}

// BadInputs reports whether a field refuses some value of its Input type.
func (c *Context) BadInputs() bool {
	return slices.ContainsFunc(c.Fields, func(f *Field) bool { return f.BadInput() != "" })
}

// Changed are the fields whose samples A and B differ (all, unless an enum has one value).
func (c *Context) Changed() []*Field {
	var out []*Field
	for _, f := range c.Fields {
		if f.SampleJSON(0) != f.SampleJSON(1) {
			out = append(out, f)
		}
	}
	return out
}

// AuditedChanged are the Changed fields the audit trail keeps.
func (c *Context) AuditedChanged() []*Field {
	var out []*Field
	for _, f := range c.Changed() {
		if f.Audited() {
			out = append(out, f)
		}
	}
	return out
}

// ChangesJSON is the audit trail's `changes` (as the API and audit_logs spell it) of a
// creation with sample A ("created"), a replacement of A by B ("updated") or a deletion
// of B ("deleted").
func (c *Context) ChangesJSON(change string) string {
	var parts []string
	for _, f := range c.Audited() {
		a, b := f.SampleJSON(0), f.SampleJSON(1)
		var from, to string
		switch change {
		case "created":
			from, to = "null", a
		case "updated":
			from, to = a, b
		default:
			from, to = b, "null"
		}
		if from != to {
			parts = append(parts, fmt.Sprintf(`"%s":{"from":%s,"to":%s}`, f.Name, from, to))
		}
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// columnWidth is the widest column name of the table.
func (c *Context) columnWidth() int {
	w := len("created_at")
	for _, f := range c.Fields {
		w = max(w, len(f.Column()))
	}
	return w
}

// Col pads a fixed column's name like the fields' (SQLColumn).
func (c *Context) Col(name string) string { return pad(name, c.columnWidth()) }
