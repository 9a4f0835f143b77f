package main

// The values the generated tests use: two samples of every field (A and B, different
// in every field; an optional field's B is absent), a wrong value of each with the
// field error it earns, and the list filters with which of A and B each keeps.

import (
	"fmt"
	"strconv"
	"strings"
)

// Sample timestamps and ids, and the time between them that the time filters cut at.
const (
	sampleTimeA = "2026-01-02T03:04:05.123456Z"
	sampleTimeB = "2026-06-01T00:00:00Z"
	sampleCut   = "2026-03-01T00:00:00Z"
	sampleIDA   = "0190a5e8-1c2d-7e3f-8a4b-5c6d7e8f9a01"
	sampleIDB   = "0190a5e8-1c2d-7e3f-8a4b-5c6d7e8f9a02"
)

// SampleText is sample i (0 is A, 1 is B) of a field that is text on the wire.
func (f *Field) SampleText(i int) string {
	switch f.Kind {
	case KindString:
		return cut([]string{"Alpha " + f.Human, "Beta " + f.Human}[i], f.MaxLen)
	case KindText:
		return cut([]string{"First " + f.Human + ",\nover two lines", "Other " + f.Human}[i], f.MaxLen)
	case KindTime:
		return []string{sampleTimeA, sampleTimeB}[i]
	case KindUUID:
		return []string{sampleIDA, sampleIDB}[i]
	case KindDecimal:
		if f.Scale == 0 {
			return []string{"12", "-3"}[i]
		}
		return []string{"12.5" + strings.Repeat("0", f.Scale-1), "-3." + strings.Repeat("0", f.Scale)}[i]
	case KindEnum:
		return f.Choices[i%len(f.Choices)]
	}
	return ""
}

// cut shortens s to at most n characters (s is ASCII but for its field's name).
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// absent reports whether sample i leaves the field out: B of an optional field.
func (f *Field) absent(i int) bool { return f.Optional && i == 1 }

// SampleJSON is sample i as a JSON value (null when absent).
func (f *Field) SampleJSON(i int) string {
	switch {
	case f.absent(i):
		return "null"
	case f.Kind == KindInt:
		return []string{"10", "20"}[i]
	case f.Kind == KindBool:
		return []string{"true", "false"}[i]
	}
	return strconv.Quote(f.SampleText(i))
}

// SampleInput is sample i as the domain's Input receives it (a Go expression).
func (f *Field) SampleInput(i int) string {
	switch {
	case f.absent(i):
		return "nil"
	case f.Kind == KindInt:
		return "kernel.Ptr(int64(" + f.SampleJSON(i) + "))"
	case f.Kind == KindBool:
		return "kernel.Ptr(" + f.SampleJSON(i) + ")"
	}
	return "kernel.Ptr(" + strconv.Quote(f.SampleText(i)) + ")"
}

// BadJSON is a value of the right JSON type that the field refuses, or for an integer
// or a boolean one of the wrong JSON type.
func (f *Field) BadJSON() string {
	switch f.Kind {
	case KindString: // a bidirectional override: the domain refuses it, not the edge's
		return `"bad\u202evalue"` // control-character check, so every field error comes at once
	case KindText:
		return `"bad\u2028value"` // a line separator
	case KindInt:
		return `"ten"`
	case KindBool:
		return `"yes"`
	case KindTime:
		return `"tomorrow"`
	case KindUUID:
		return `"not-a-uuid"`
	case KindDecimal:
		return `"1.` + strings.Repeat("1", f.Scale+1) + `"`
	}
	return `"Not-a-choice"`
}

// BadCode is the field error code BadJSON earns.
func (f *Field) BadCode() string {
	switch f.Kind {
	case KindString, KindText:
		return "invalid_characters"
	case KindInt, KindBool:
		return "invalid_type"
	case KindTime:
		return "invalid_timestamp"
	case KindUUID:
		return "invalid_uuid"
	case KindDecimal:
		return "invalid_decimal"
	}
	return "invalid_choice"
}

// TypeError reports whether BadJSON is of the wrong JSON type: decoding stops at the
// first such member, so each is sent alone.
func (f *Field) TypeError() bool { return f.Is(KindInt, KindBool) }

// FilterCase is one list filter of the generated tests, and which samples it keeps.
type FilterCase struct {
	Param string // the query parameter
	Query string // its value
	Input string // the domain's FilterInput member, as Go: "DueAtFrom: time.Date(...)"
	A, B  bool   // whether it keeps the record of sample A, of sample B
}

// FilterCases are the field's filters, two for a range, one otherwise.
func (f *Field) FilterCases() []FilterCase {
	b := !f.Optional // an absent value matches no filter
	cut := "time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)"
	switch f.Kind {
	case KindString:
		prefix := strings.ToUpper(cut3(f.SampleText(0)))
		return []FilterCase{{f.Name, prefix, fmt.Sprintf("%s: %q", f.Go, prefix), true, false}}
	case KindInt:
		return []FilterCase{
			{f.Name + "Min", "15", f.Go + "Min: kernel.Ptr(int64(15))", false, b},
			{f.Name + "Max", "15", f.Go + "Max: kernel.Ptr(int64(15))", true, false},
		}
	case KindDecimal:
		return []FilterCase{
			{f.Name + "Min", "0", f.Go + `Min: "0"`, true, false},
			{f.Name + "Max", "0", f.Go + `Max: "0"`, false, b},
		}
	case KindTime:
		return []FilterCase{
			{f.Name + "From", sampleCut, f.Go + "From: " + cut, false, b},
			{f.Name + "To", sampleCut, f.Go + "To: " + cut, true, false},
		}
	case KindBool:
		return []FilterCase{
			{f.Name, "true", f.Go + `: "true"`, true, false},
			{f.Name, "false", f.Go + `: "false"`, false, b},
		}
	case KindUUID:
		return []FilterCase{{f.Name, sampleIDA, fmt.Sprintf("%s: uuid.MustParse(%q)", f.Go, sampleIDA), true, false}}
	case KindEnum:
		same := b && f.SampleText(0) == f.SampleText(1)
		return []FilterCase{{f.Name, f.SampleText(0), fmt.Sprintf("%s: %q", f.Go, f.SampleText(0)), true, same}}
	}
	return nil
}

// cut3 is the first (up to) three characters of s.
func cut3(s string) string { return cut(s, 3) }
