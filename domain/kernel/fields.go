package kernel

// This file holds the parsers of plain field values (text, timestamps, ids, booleans,
// choices) that a context builds its value types from: a context made by `cmd/gen`
// uses them for every field, so that each rule and each error code lives in one place.
// Each parser normalises its input, refuses what the field cannot hold with a
// validation error of a stable code, and is pure.

import (
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/invopop/validation"
)

// Validation errors of the field parsers.
var (
	ErrInvalidCharacters = validation.NewError("invalid_characters", "must not contain control characters")
	ErrInvalidTimestamp  = validation.NewError("invalid_timestamp", "must be an RFC 3339 timestamp")
	ErrInvalidID         = validation.NewError("invalid_uuid", "must be a valid UUID")
	ErrInvalidBoolean    = validation.NewError("invalid_boolean", "must be true or false")
	// ErrRangeReversed is the upper bound of a range given below its lower bound.
	ErrRangeReversed = validation.NewError("range_reversed", "must not be below the lower bound of its range")
)

// errLength is the validation error of text longer than max characters.
func errLength(max int) error {
	return validation.NewError("length_out_of_range", "must be between {{.min}} and {{.max}} characters long").
		SetParams(map[string]any{"min": 1, "max": max})
}

// ParseLine trims s and accepts it as one line of 1 to max characters: text with nothing
// a reader would see is validation.ErrRequired; control characters, line and paragraph
// separators and bidirectional overrides are ErrInvalidCharacters.
func ParseLine(s string, max int) (string, error) { return parseText(s, max, false) }

// ParseText is ParseLine for text of several lines: line breaks and tabs are allowed.
func ParseText(s string, max int) (string, error) { return parseText(s, max, true) }

func parseText(s string, max int, multiline bool) (string, error) {
	if !utf8.ValidString(s) {
		return "", ErrInvalidCharacters
	}
	s = strings.TrimSpace(s)
	if strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) }) == "" {
		return "", validation.ErrRequired
	}
	bad := strings.ContainsFunc(s, func(r rune) bool {
		if multiline && (r == '\n' || r == '\t' || r == '\r') {
			return false
		}
		return unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp) ||
			(r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
	})
	if bad {
		return "", ErrInvalidCharacters
	}
	if utf8.RuneCountInString(s) > max {
		return "", errLength(max)
	}
	return s, nil
}

// ParseTimestamp reads an RFC 3339 timestamp (years 1 to 9999) and returns it in UTC,
// to the microsecond (what PostgreSQL stores).
func ParseTimestamp(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, validation.ErrRequired
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.UTC().Year() < 1 || t.UTC().Year() > 9999 {
		return time.Time{}, ErrInvalidTimestamp
	}
	return Timestamp(t), nil
}

// ParseID reads a UUID in its hyphenated form (in either case); the nil UUID names
// nothing and is refused.
func ParseID(s string) (uuid.UUID, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return uuid.Nil, validation.ErrRequired
	}
	id, err := uuid.Parse(s)
	if err != nil || id == uuid.Nil || !strings.EqualFold(id.String(), s) {
		return uuid.Nil, ErrInvalidID
	}
	return id, nil
}

// ParseBool reads "true" or "false".
func ParseBool(s string) (bool, error) {
	switch strings.TrimSpace(s) {
	case "":
		return false, validation.ErrRequired
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, ErrInvalidBoolean
}

// ParseChoice accepts one of choices, exactly as spelled there.
func ParseChoice(s string, choices []string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", validation.ErrRequired
	}
	for _, c := range choices {
		if s == c {
			return s, nil
		}
	}
	return "", validation.NewError("invalid_choice", "must be one of {{.values}}").
		SetParams(map[string]any{"values": strings.Join(choices, ", ")})
}

// Any accepts every value of its type: the parser of fields (integers, booleans) whose
// type says all there is to check.
func Any[T any](v T) (T, error) { return v, nil }

// Required parses the value p points to; nil (absent from the input) is
// validation.ErrRequired.
func Required[In, V any](p *In, parse func(In) (V, error)) (V, error) {
	if p == nil {
		var zero V
		return zero, validation.ErrRequired
	}
	return parse(*p)
}

// Optional parses the value p points to; nil, and a value parse finds blank, are none
// (nil, no error).
func Optional[In, V any](p *In, parse func(In) (V, error)) (*V, error) {
	if p == nil {
		return nil, nil
	}
	v, err := parse(*p)
	var verr validation.Error
	if errors.As(err, &verr) && verr.Code() == validation.ErrRequired.Code() {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// Value is what p points to, or nil: how an optional field's value enters Changes.
func Value[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// Ptr returns a pointer to a copy of v.
func Ptr[T any](v T) *T { return &v }

// Exact turns a parser of text into the check of a stored value: the value must be one
// parse produced, unchanged by parsing it again (a row edited by hand into something
// the context would not have written is refused, not served).
func Exact[V ~string](parse func(string) (V, error)) func(string) (V, error) {
	return func(s string) (V, error) {
		v, err := parse(s)
		if err == nil && string(v) != s {
			return v, ErrInvalidCharacters
		}
		return v, err
	}
}

// StoredTime checks a stored timestamp and returns it in UTC to the microsecond; the
// zero time is validation.ErrRequired.
func StoredTime(t time.Time) (time.Time, error) {
	if t.IsZero() {
		return time.Time{}, validation.ErrRequired
	}
	return Timestamp(t), nil
}

// StoredID checks a stored id: the nil UUID is validation.ErrRequired.
func StoredID(id uuid.UUID) (uuid.UUID, error) {
	if id == uuid.Nil {
		return uuid.Nil, validation.ErrRequired
	}
	return id, nil
}

// Deref returns what p points to and true, or the zero value and false for nil: the
// getter of an optional field.
func Deref[T any](p *T) (T, bool) {
	if p == nil {
		var zero T
		return zero, false
	}
	return *p, true
}

// Copy returns a pointer to a copy of what p points to, or nil.
func Copy[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// Text returns a pointer to the text p points to, or nil: an optional text value in
// primitive form.
func Text[T ~string](p *T) *string {
	if p == nil {
		return nil
	}
	s := string(*p)
	return &s
}

// Format returns a pointer to the text form of what p points to, or nil: an optional
// Decimal in primitive form.
func Format[T interface{ String() string }](p *T) *string {
	if p == nil {
		return nil
	}
	s := (*p).String()
	return &s
}
