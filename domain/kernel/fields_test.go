package kernel_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/invopop/validation"

	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/kernel/kerneltest"
)

func TestParseLineAndText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in        string
		multiline bool
		want      string
		code      string
	}{
		{"  Hello  ", false, "Hello", ""},
		{"Grüße 👋🏽", false, "Grüße 👋🏽", ""},
		{strings.Repeat("é", 10), false, strings.Repeat("é", 10), ""},
		{strings.Repeat("é", 11), false, "", "length_out_of_range"},
		{"", false, "", "validation_required"},
		{" \t\u200b\ufeff ", false, "", "validation_required"},
		{"a\nb", false, "", "invalid_characters"},
		{"a\nb\tc\r\nd", true, "a\nb\tc\r\nd", ""},
		{"a\x00b", true, "", "invalid_characters"},
		{"a\u2028b", true, "", "invalid_characters"},
		{"abc\u202edcba", true, "", "invalid_characters"},
		{"a\xffb", true, "", "invalid_characters"},
	}
	for _, tt := range tests {
		parse := kernel.ParseLine
		if tt.multiline {
			parse = kernel.ParseText
		}
		got, err := parse(tt.in, 10)
		if got != tt.want || kerneltest.Code(err) != tt.code {
			t.Errorf("parse(%q, multiline %v) = %q, %v; want %q, %s", tt.in, tt.multiline, got, err, tt.want, tt.code)
		}
	}
}

func TestParseTimestamp(t *testing.T) {
	t.Parallel()
	got, err := kernel.ParseTimestamp("2026-11-30T12:00:00.1234567+02:00")
	if want := time.Date(2026, 11, 30, 10, 0, 0, 123456000, time.UTC); err != nil || !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("ParseTimestamp = %v, %v; want %v in UTC, to the microsecond", got, err, want)
	}
	for in, code := range map[string]string{
		"": "validation_required", "2026-11-30": "invalid_timestamp", "yesterday": "invalid_timestamp",
		"10000-01-01T00:00:00Z": "invalid_timestamp", "0001-01-01T00:30:00+01:00": "invalid_timestamp",
	} {
		if _, err := kernel.ParseTimestamp(in); kerneltest.Code(err) != code {
			t.Errorf("ParseTimestamp(%q) = %v, want %s", in, err, code)
		}
	}
}

func TestParseID(t *testing.T) {
	t.Parallel()
	id := kernel.NewID()
	for _, in := range []string{id.String(), strings.ToUpper(id.String())} {
		if got, err := kernel.ParseID(in); err != nil || got != id {
			t.Errorf("ParseID(%q) = %v, %v", in, got, err)
		}
	}
	for in, code := range map[string]string{
		"": "validation_required", uuid.Nil.String(): "invalid_uuid", "{" + id.String() + "}": "invalid_uuid",
		strings.ReplaceAll(id.String(), "-", ""): "invalid_uuid", "urn:uuid:" + id.String(): "invalid_uuid",
	} {
		if _, err := kernel.ParseID(in); kerneltest.Code(err) != code {
			t.Errorf("ParseID(%q) = %v, want %s", in, err, code)
		}
	}
}

func TestParseBoolAndChoice(t *testing.T) {
	t.Parallel()
	if b, err := kernel.ParseBool("true"); !b || err != nil {
		t.Errorf("ParseBool(true) = %v, %v", b, err)
	}
	if b, err := kernel.ParseBool("false"); b || err != nil {
		t.Errorf("ParseBool(false) = %v, %v", b, err)
	}
	if _, err := kernel.ParseBool("yes"); kerneltest.Code(err) != "invalid_boolean" {
		t.Errorf("ParseBool(yes) = %v", err)
	}
	choices := []string{"draft", "sent"}
	if c, err := kernel.ParseChoice("sent", choices); c != "sent" || err != nil {
		t.Errorf("ParseChoice(sent) = %q, %v", c, err)
	}
	_, err := kernel.ParseChoice("Sent", choices)
	var verr validation.Error
	if kerneltest.Code(err) != "invalid_choice" || !asValidation(err, &verr) || verr.Params()["values"] != "draft, sent" {
		t.Errorf("ParseChoice(Sent) = %v", err)
	}
}

func TestRequiredAndOptional(t *testing.T) {
	t.Parallel()
	parse := func(s string) (string, error) { return kernel.ParseLine(s, 5) }
	if _, err := kernel.Required[string](nil, parse); kerneltest.Code(err) != "validation_required" {
		t.Errorf("Required(nil) = %v", err)
	}
	if v, err := kernel.Required(kernel.Ptr(" ab "), parse); v != "ab" || err != nil {
		t.Errorf("Required(ab) = %q, %v", v, err)
	}
	for _, in := range []*string{nil, kernel.Ptr(""), kernel.Ptr("  ")} {
		if v, err := kernel.Optional(in, parse); v != nil || err != nil {
			t.Errorf("Optional(%v) = %v, %v; want none", in, v, err)
		}
	}
	if v, err := kernel.Optional(kernel.Ptr("abcdef"), parse); v != nil || kerneltest.Code(err) != "length_out_of_range" {
		t.Errorf("Optional(too long) = %v, %v", v, err)
	}
	if v, err := kernel.Optional(kernel.Ptr(int64(0)), kernel.Any[int64]); v == nil || *v != 0 || err != nil {
		t.Errorf("Optional(0) = %v, %v", v, err)
	}
	if kernel.Value[int](nil) != nil || kernel.Value(kernel.Ptr(3)) != 3 {
		t.Error("Value")
	}
}

func TestDecimal(t *testing.T) {
	t.Parallel()
	good := []struct {
		in    string
		scale int
		want  string
	}{
		{"12", 2, "12.00"}, {"12.5", 2, "12.50"}, {"-0.05", 2, "-0.05"}, {"-0", 2, "0.00"}, {"007.10", 2, "7.10"},
		{" 1.25 ", 2, "1.25"}, {"9999999999999999.99", 2, "9999999999999999.99"}, {"-9999999999999999.99", 2, "-9999999999999999.99"},
		{"42", 0, "42"}, {"0.00000001", 8, "0.00000001"}, {"0", 0, "0"},
	}
	for _, tt := range good {
		d, err := kernel.ParseDecimal(tt.in, tt.scale)
		if err != nil || d.String() != tt.want || d.Scale() != tt.scale {
			t.Errorf("ParseDecimal(%q, %d) = %v, %v; want %s", tt.in, tt.scale, d, err, tt.want)
		}
		if again, err := kernel.ParseDecimal(d.String(), tt.scale); err != nil || again != d {
			t.Errorf("ParseDecimal(String()) of %s = %v, %v", d, again, err)
		}
	}
	for _, in := range []string{"1.234", ".5", "5.", "+1", "1e3", "1,000", "--1", "0x10", "1 000", "١٢", "10000000000000000.00", "NaN"} {
		if d, err := kernel.ParseDecimal(in, 2); kerneltest.Code(err) != "invalid_decimal" {
			t.Errorf("ParseDecimal(%q) = %v, %v; want invalid_decimal", in, d, err)
		}
	}
	if _, err := kernel.ParseDecimal("", 2); kerneltest.Code(err) != "validation_required" {
		t.Errorf("ParseDecimal(\"\") = %v", err)
	}
	a, _ := kernel.ParseDecimal("1.10", 2)
	b, _ := kernel.ParseDecimal("1.1", 2)
	c, _ := kernel.ParseDecimal("-3", 2)
	if a.Cmp(b) != 0 || a.Cmp(c) != 1 || c.Cmp(a) != -1 || a.Units() != 110 {
		t.Errorf("Cmp/Units: %v %v %v", a, b, c)
	}
}

// asValidation reports whether err is a validation.Error, setting *target.
func asValidation(err error, target *validation.Error) bool {
	v, ok := err.(validation.Error)
	*target = v
	return ok
}

func TestStoredValues(t *testing.T) {
	t.Parallel()
	exact := kernel.Exact(func(s string) (string, error) { return kernel.ParseLine(s, 5) })
	if v, err := exact("abc"); v != "abc" || err != nil {
		t.Errorf("Exact(abc) = %q, %v", v, err)
	}
	if _, err := exact(" abc"); err == nil {
		t.Error("Exact accepted text its parser changes")
	}
	if _, err := exact("abcdef"); kerneltest.Code(err) != "length_out_of_range" {
		t.Errorf("Exact(too long) = %v", err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.FixedZone("X", 3600))
	if got, err := kernel.StoredTime(at); err != nil || !got.Equal(kernel.Timestamp(at)) || got.Location() != time.UTC {
		t.Errorf("StoredTime = %v, %v", got, err)
	}
	if _, err := kernel.StoredTime(time.Time{}); kerneltest.Code(err) != "validation_required" {
		t.Errorf("StoredTime(zero) = %v", err)
	}
	if _, err := kernel.StoredID(uuid.Nil); kerneltest.Code(err) != "validation_required" {
		t.Errorf("StoredID(nil) = %v", err)
	}
	type name string
	n := name("x")
	if s := kernel.Text(&n); s == nil || *s != "x" || kernel.Text[name](nil) != nil {
		t.Error("Text")
	}
	d, _ := kernel.ParseDecimal("1.5", 2)
	if s := kernel.Format(&d); s == nil || *s != "1.50" || kernel.Format[kernel.Decimal](nil) != nil {
		t.Error("Format")
	}
	one := 1
	if c := kernel.Copy(&one); c == &one || *c != 1 || kernel.Copy[int](nil) != nil {
		t.Error("Copy")
	}
	if v, ok := kernel.Deref(&one); v != 1 || !ok {
		t.Error("Deref")
	}
	if v, ok := kernel.Deref[int](nil); v != 0 || ok {
		t.Error("Deref(nil)")
	}
}
