package main

// The spellings of a field in each layer: the templates ask a Field for them, so that
// each mapping (domain type, record type, SQL column, JSON member, OpenAPI schema,
// filters) is decided here once.

import (
	"fmt"
	"strconv"
	"strings"
)

// Is reports whether the field is of one of kinds.
func (f *Field) Is(kinds ...string) bool {
	for _, k := range kinds {
		if f.Kind == k {
			return true
		}
	}
	return false
}

// Named reports whether the domain declares a type of its own for the field.
func (f *Field) Named() bool { return f.Is(KindString, KindText, KindEnum) }

// ValueType is the field's type in the domain.
func (f *Field) ValueType() string {
	switch {
	case f.Kind == KindDecimal:
		return "kernel.Decimal"
	case f.Named():
		return f.Go
	}
	return f.primitive()
}

// primitive is the field's type in primitive form (records, rows, the API's input).
func (f *Field) primitive() string {
	switch f.Kind {
	case KindInt:
		return "int64"
	case KindBool:
		return "bool"
	case KindTime:
		return "time.Time"
	case KindUUID:
		return "uuid.UUID"
	}
	return "string"
}

// opt prefixes t with "*" for an optional field.
func (f *Field) opt(t string) string {
	if f.Optional {
		return "*" + t
	}
	return t
}

// StoredType is the field's type in the domain's Values.
func (f *Field) StoredType() string { return f.opt(f.ValueType()) }

// RecordType is the field's type in the domain's Record and the storage rows.
func (f *Field) RecordType() string { return f.opt(f.primitive()) }

// InputType is the field's type as received (the domain's Input, always a pointer):
// timestamps, ids and decimals arrive as text.
func (f *Field) InputType() string {
	switch f.Kind {
	case KindInt:
		return "*int64"
	case KindBool:
		return "*bool"
	}
	return "*string"
}

// wrap is the kernel function that parses a present or absent field.
func (f *Field) wrap() string {
	if f.Optional {
		return "kernel.Optional"
	}
	return "kernel.Required"
}

// parser names the parser of the field's value as received.
func (f *Field) parser() string {
	switch f.Kind {
	case KindInt:
		return "kernel.Any[int64]"
	case KindBool:
		return "kernel.Any[bool]"
	case KindTime:
		return "kernel.ParseTimestamp"
	case KindUUID:
		return "kernel.ParseID"
	}
	return "Parse" + f.Go
}

// ParseStmt parses the field of Input in into Values v, its error into errs.
func (f *Field) ParseStmt() string {
	return fmt.Sprintf("v.%s, errs[%q] = %s(in.%s, %s)", f.Local, f.Snake, f.wrap(), f.Go, f.parser())
}

// RestoreStmt checks the field of Record r into Values v, its error into errs.
func (f *Field) RestoreStmt() string {
	check := f.parser()
	switch f.Kind {
	case KindString, KindText, KindEnum:
		check = "kernel.Exact(" + check + ")"
	case KindTime:
		check = "kernel.StoredTime"
	case KindUUID:
		check = "kernel.StoredID"
	case KindInt:
		check = "kernel.Any[int64]"
	case KindBool:
		check = "kernel.Any[bool]"
	}
	ref := "&"
	if f.Optional {
		ref = ""
	}
	return fmt.Sprintf("v.%s, errs[%q] = %s(%sr.%s, %s)", f.Local, f.Snake, f.wrap(), ref, f.Go, check)
}

// ToRecord is the field of Values v in primitive form.
func (f *Field) ToRecord() string {
	v := "v." + f.Local
	switch {
	case f.Optional && f.Named():
		return "kernel.Text(" + v + ")"
	case f.Optional && f.Kind == KindDecimal:
		return "kernel.Format(" + v + ")"
	case f.Optional:
		return "kernel.Copy(" + v + ")"
	case f.Named():
		return "string(" + v + ")"
	case f.Kind == KindDecimal:
		return v + ".String()"
	}
	return v
}

// AuditValue is the field of Record r as the audit trail records it (nil when absent).
func (f *Field) AuditValue() string {
	if f.Optional {
		return "kernel.Value(r." + f.Go + ")"
	}
	return "r." + f.Go
}

// Describe says what values the field takes, for doc comments and the API document.
func (f *Field) Describe() string {
	if f.Optional {
		return f.values() + "; optional (null when absent)"
	}
	return f.values()
}

// values says what values the field takes when present.
func (f *Field) values() string {
	var s string
	switch f.Kind {
	case KindString:
		s = fmt.Sprintf("one line of 1 to %d characters (surrounding spaces are trimmed)", f.MaxLen)
	case KindText:
		s = fmt.Sprintf("text of 1 to %d characters, line breaks allowed (surrounding spaces are trimmed)", f.MaxLen)
	case KindInt:
		s = "a whole number (64-bit)"
	case KindBool:
		s = "true or false"
	case KindTime:
		s = "an RFC 3339 timestamp, kept in UTC to the microsecond"
	case KindUUID:
		s = "a UUID"
	case KindDecimal:
		s = fmt.Sprintf("a decimal number written as a string, with at most %d digits after the point (e.g. %q)", f.Scale, f.SampleText(0))
	case KindEnum:
		s = "one of " + strings.Join(f.Choices, ", ")
	}
	return s
}

// SQLType is the field's column type.
func (f *Field) SQLType() string {
	switch f.Kind {
	case KindInt:
		return "bigint"
	case KindBool:
		return "boolean"
	case KindTime:
		return "timestamptz"
	case KindUUID:
		return "uuid"
	case KindDecimal:
		return fmt.Sprintf("numeric(18,%d)", f.Scale)
	}
	return "text"
}

// Column is the field's column name as hand-written SQL spells it.
func (f *Field) Column() string { return sqlIdent(f.Snake) }

// SQLColumn is the field's column definition (without its trailing comma), aligned with
// the table's other columns.
func (f *Field) SQLColumn() string {
	var rest []string
	if !f.Optional {
		rest = append(rest, "NOT NULL")
	}
	switch f.Kind {
	case KindString, KindText:
		rest = append(rest, fmt.Sprintf("CHECK (char_length(%s) BETWEEN 1 AND %d)", f.Column(), f.MaxLen))
	case KindEnum:
		quoted := make([]string, len(f.Choices))
		for i, c := range f.Choices {
			quoted[i] = "'" + c + "'"
		}
		rest = append(rest, fmt.Sprintf("CHECK (%s IN (%s))", f.Column(), strings.Join(quoted, ", ")))
	}
	col := pad(f.Column(), f.ctx.columnWidth()) + " " + f.SQLType()
	if len(rest) > 0 {
		col = pad(col, f.ctx.columnWidth()+12) + " " + strings.Join(rest, " ")
	}
	return col
}

// BunTag is the field's bun struct tag value.
func (f *Field) BunTag() string {
	tag := f.Snake
	if !f.Optional {
		tag += ",notnull"
	}
	switch f.Kind {
	case KindUUID:
		tag += ",type:uuid"
	case KindDecimal:
		tag += ",type:numeric"
	}
	return tag
}

// ResourceType is the field's type in the API's resource (null when absent).
func (f *Field) ResourceType() string {
	t := "string"
	switch f.Kind {
	case KindInt:
		t = "int64"
	case KindBool:
		t = "bool"
	case KindTime:
		t = "time.Time"
	case KindUUID:
		t = "uuid.UUID"
	}
	return f.opt(t)
}

// ToResource is the field of Record r as the resource holds it.
func (f *Field) ToResource() string {
	if f.Kind == KindTime && f.Optional {
		return "utc(r." + f.Go + ")"
	}
	if f.Kind == KindTime {
		return "r." + f.Go + ".UTC()"
	}
	return "r." + f.Go
}

// schema is the field's OpenAPI schema tags.
func (f *Field) schema() string {
	switch f.Kind {
	case KindString, KindText:
		return fmt.Sprintf(` minLength:"1" maxLength:"%d"`, f.MaxLen)
	case KindEnum:
		return fmt.Sprintf(` enum:"%s"`, strings.Join(f.Choices, ","))
	case KindDecimal:
		return fmt.Sprintf(` pattern:"%s" example:"%s"`, strings.ReplaceAll(f.Pattern(), `\`, `\\`), f.SampleText(0))
	}
	return ""
}

// Pattern is the regular expression of a decimal's text.
func (f *Field) Pattern() string {
	p := fmt.Sprintf(`^-?[0-9]{1,%d}`, 18-f.Scale)
	if f.Scale > 0 {
		p += fmt.Sprintf(`(\.[0-9]{1,%d})?`, f.Scale)
	}
	return p + "$"
}

// ResourceTag is the field's struct tag in the resource.
func (f *Field) ResourceTag() string {
	return fmt.Sprintf("`json:%q required:\"true\"%s description:%q`", f.Name, f.schema(), upperFirst(f.Describe())+".")
}

// BodyTag is the field's struct tag in the create and replace bodies.
func (f *Field) BodyTag() string {
	format := ""
	switch f.Kind {
	case KindTime:
		format = ` format:"date-time"`
	case KindUUID:
		format = ` format:"uuid"`
	}
	if f.Optional {
		return fmt.Sprintf("`json:\"%s,omitempty\"%s%s description:%q`", f.Name, format, f.schema(), upperFirst(f.values())+"; optional: leave it out, or null, for none.")
	}
	return fmt.Sprintf("`json:%q required:\"true\" nullable:\"false\"%s%s description:%q`", f.Name, format, f.schema(), upperFirst(f.Describe())+".")
}

// FilterParams are the list's query parameters that filter on the field.
func (f *Field) FilterParams() []string {
	switch f.Kind {
	case KindText:
		return nil
	case KindInt, KindDecimal:
		return []string{f.Name + "Min", f.Name + "Max"}
	case KindTime:
		return []string{f.Name + "From", f.Name + "To"}
	}
	return []string{f.Name}
}

// Filterable reports whether the list filters on the field.
func (f *Field) Filterable() bool { return len(f.FilterParams()) > 0 }

// Const is the Go constant of an enum value: StatusDraft.
func (f *Field) Const(choice string) string { return f.Go + exported(words(choice)) }

// ChoicesVar is the variable listing an enum's values.
func (f *Field) ChoicesVar() string { return f.Local + "Choices" }

// ChoicesList is the enum's values as a Go list of strings.
func (f *Field) ChoicesList() string {
	q := make([]string, len(f.Choices))
	for i, c := range f.Choices {
		q[i] = strconv.Quote(c)
	}
	return strings.Join(q, ", ")
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Lo and Hi are the suffixes of a range filter's bounds: Min and Max, or From and To.
func (f *Field) Lo() string {
	if f.Kind == KindTime {
		return "From"
	}
	return "Min"
}

// Hi: see Lo.
func (f *Field) Hi() string {
	if f.Kind == KindTime {
		return "To"
	}
	return "Max"
}

// PatternTag is the OpenAPI pattern tag of a decimal's text.
func (f *Field) PatternTag() string {
	return fmt.Sprintf(`pattern:"%s"`, strings.ReplaceAll(f.Pattern(), `\`, `\\`))
}

// Audited reports whether the audit trail keeps the field's changes: it drops fields
// whose names suggest a secret (domain/audit).
func (f *Field) Audited() bool {
	for _, w := range []string{"password", "token", "hash", "secret"} {
		if strings.Contains(f.Snake, w) {
			return false
		}
	}
	return true
}

// BadInput is a value of the domain's Input the field refuses (a Go expression), or ""
// for an integer or a boolean, which take every value of their type.
func (f *Field) BadInput() string {
	switch f.Kind {
	case KindInt, KindBool:
		return ""
	case KindString, KindText:
		return fmt.Sprintf("kernel.Ptr(strings.Repeat(\"x\", %s.Max%sLength+1))", f.ctx.Pkg, f.Go)
	}
	return "kernel.Ptr(" + f.BadJSON() + ")"
}

// BadInputCode is the validation code of BadInput.
func (f *Field) BadInputCode() string {
	if f.Is(KindString, KindText) {
		return "length_out_of_range"
	}
	return f.BadCode()
}

// pad appends spaces to s up to width.
func pad(s string, width int) string {
	if len(s) >= width {
		return s
	}
	return s + strings.Repeat(" ", width-len(s))
}
