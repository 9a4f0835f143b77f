package validate

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/invopop/validation"

	"github.com/keelhq/keel/platform/i18n"
)

type address struct {
	Street string `json:"street"`
	Zip    string `json:"zip"`
}

func (a address) Validate() error {
	return validation.ValidateStruct(&a,
		validation.Field(&a.Street, validation.Required),
		validation.Field(&a.Zip, validation.Length(5, 5)),
	)
}

type item struct {
	Name string `json:"name"`
	Qty  int    `json:"qty"`
}

func (i item) Validate() error {
	return validation.ValidateStruct(&i,
		validation.Field(&i.Name, validation.Required, validation.Length(2, 20)),
		validation.Field(&i.Qty, validation.Min(1)),
	)
}

type order struct {
	Email   string   `json:"email"`
	Locale  string   `json:"locale"`
	Address address  `json:"address"`
	Items   []item   `json:"items"`
	Tags    []string `json:"tags"`
}

var errInvalidLocale = validation.NewError("invalid_locale", "must be one of en, de, es")

func (o order) Validate() error {
	return validation.ValidateStruct(&o,
		validation.Field(&o.Email, validation.Required,
			validation.NewStringRuleWithError(func(string) bool { return false },
				validation.NewError("validation_is_email", "must be a valid email address"))),
		validation.Field(&o.Locale, validation.In("en", "de", "es").ErrorObject(errInvalidLocale)),
		validation.Field(&o.Address),
		validation.Field(&o.Items, validation.Required),
		validation.Field(&o.Tags, validation.Each(validation.Length(0, 3))),
	)
}

func newBundle(t *testing.T) *i18n.Bundle {
	t.Helper()
	b, err := i18n.NewBundle()
	if err != nil {
		t.Fatalf("NewBundle: %v", err)
	}
	return b
}

// fieldsCase is one case of TestFields.
type fieldsCase struct {
	name string
	err  error
	lang string
	want []FieldError
}

// structCases validate real structs: nested structs, slices of structs, Each.
func structCases() []fieldsCase {
	badOrder := order{
		Email:  "x",
		Locale: "fr",
		Items:  []item{{Name: "ok", Qty: 1}, {Name: "", Qty: -1}},
		Tags:   []string{"ok", "toolong"},
	}
	return []fieldsCase{
		{"nested, slices and custom codes", badOrder.Validate(), "en", []FieldError{
			{"address.street", "required", "is required"},
			{"email", "invalid_email", "must be a valid e-mail address"},
			{"items.1.name", "required", "is required"},
			{"items.1.qty", "min_greater_equal_than_required", "must be no less than 1"},
			{"locale", "invalid_locale", "must be one of en, de, es"},
			{"tags.1", "length_too_long", "must be no more than 3 characters long"},
		}},
		{"german", badOrder.Validate(), "de", []FieldError{
			{"address.street", "required", "ist erforderlich"},
			{"email", "invalid_email", "muss eine gültige E-Mail-Adresse sein"},
			{"items.1.name", "required", "ist erforderlich"},
			{"items.1.qty", "min_greater_equal_than_required", "darf nicht kleiner als 1 sein"},
			{"locale", "invalid_locale", "muss einer der Werte en, de, es sein"},
			{"tags.1", "length_too_long", "darf höchstens 3 Zeichen lang sein"},
		}},
	}
}

// mapCases build validation.Errors by hand for the edge cases.
func mapCases() []fieldsCase {
	return []fieldsCase{
		{"spanish params", validation.Errors{
			"zip": validation.Length(5, 5).Validate("1"),
			"bio": validation.Length(2, 10).Validate("x"),
		}, "es", []FieldError{
			{"bio", "length_out_of_range", "debe tener entre 2 y 10 caracteres"},
			{"zip", "length_invalid", "debe tener exactamente 5 caracteres"},
		}},
		{"wrapped", fmt.Errorf("register: %w", validation.Errors{"name": validation.ErrRequired}), "en",
			[]FieldError{{"name", "required", "is required"}}},
		{"unknown code falls back to own message with params", validation.Errors{
			"n": validation.NewError("validation_frobnicated", "must be frobnicated {{.times}} times").
				SetParams(map[string]any{"times": 3}),
		}, "de", []FieldError{{"n", "frobnicated", "must be frobnicated 3 times"}}},
		{"unknown custom code without params", validation.Errors{
			"n": validation.NewError("too_shiny", "is too shiny"),
		}, "de", []FieldError{{"n", "too_shiny", "is too shiny"}}},
		{"malformed own template is not rendered", validation.Errors{
			"n": validation.NewError("weird", "bad {{.x").SetParams(map[string]any{"x": 1}),
		}, "en", []FieldError{{"n", "weird", "bad {{.x"}}},
		{"plain error and empty code", validation.Errors{
			"a": errors.New("something internal"),
			"b": validation.NewError("", "no code"),
			"c": nil,
		}, "de", []FieldError{{"a", "invalid", "ist ungültig"}, {"b", "invalid", "ist ungültig"}}},
		{"uuid and other is_ rules", validation.Errors{
			"id":  validation.NewError("validation_is_uuid_v4", "must be a valid UUID v4"),
			"url": validation.NewError("validation_is_url", "must be a valid URL"),
			"m":   validation.NewError("is_email", "must be a valid email address"),
		}, "en", []FieldError{
			{"id", "invalid_uuid", "must be a valid UUID"},
			{"m", "invalid_email", "must be a valid e-mail address"},
			{"url", "invalid_url", "must be a valid URL"},
		}},
		{"map rule keys", validation.Validate(map[string]any{"b": 1, "c": "x"},
			validation.Map(validation.Key("a", validation.Required), validation.Key("b", validation.Max(0))),
		), "en", []FieldError{
			{"a", "required", "is required"},
			{"b", "max_less_equal_than_required", "must be no greater than 0"},
			{"c", "unknown_field", "is not a recognised field"},
		}},
		{"deeply nested", validation.Errors{"a": validation.Errors{"b": validation.Errors{
			"0": validation.Errors{"c": validation.ErrRequired}, "": validation.ErrNotNilRequired,
		}}}, "en", []FieldError{{"a.b", "required", "is required"}, {"a.b.0.c", "required", "is required"}}},
		{"empty", validation.Errors{}, "en", []FieldError{}},
	}
}

func TestFields(t *testing.T) {
	b := newBundle(t)
	for _, tt := range append(structCases(), mapCases()...) {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Fields(tt.err, b.Localizer(tt.lang))
			if !ok {
				t.Fatalf("Fields(%v) reported no validation errors", tt.err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Fields() =\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

func TestFieldsNotValidation(t *testing.T) {
	b := newBundle(t)
	for _, err := range []error{
		nil,
		errors.New("boom"),
		validation.ErrRequired, // a single Error, not Errors
		validation.NewInternalError(errors.New("db down")),
	} {
		if got, ok := Fields(err, b.Localizer("en")); ok || got != nil {
			t.Errorf("Fields(%v) = %v, %v; want nil, false", err, got, ok)
		}
	}
}

func TestFieldsNilLocalizer(t *testing.T) {
	got, ok := Fields(validation.Errors{
		"name": validation.ErrRequired,
		"bio":  validation.Length(2, 10).Validate("x"),
		"x":    errors.New("raw text"),
	}, nil)
	want := []FieldError{
		{"bio", "length_out_of_range", "the length must be between 2 and 10"},
		{"name", "required", "cannot be blank"},
		{"x", "invalid", "raw text"},
	}
	if !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("Fields(nil localizer) = %v, %v; want %v", got, ok, want)
	}
}

func TestNormaliseCode(t *testing.T) {
	tests := map[string]string{
		"validation_required":                  "required",
		"validation_not_nil_required":          "required",
		"validation_nil_or_not_empty_required": "required",
		"validation_length_out_of_range":       "length_out_of_range",
		"validation_is_email":                  "invalid_email",
		"is_email":                             "invalid_email",
		"validation_is_uuid":                   "invalid_uuid",
		"validation_is_uuid_v7":                "invalid_uuid",
		"validation_is_digit":                  "invalid_digit",
		"validation_key_unexpected":            "unknown_field",
		"validation_nil":                       "empty",
		"validation_length_empty_required":     "empty",
		"invalid_locale":                       "invalid_locale",
		"validation_":                          "invalid",
		"":                                     "invalid",
	}
	for in, want := range tests {
		if got := normaliseCode(in); got != want {
			t.Errorf("normaliseCode(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestInvopopCodesInCatalogue keeps the catalogue in step with the codes the
// built-in invopop rules produce.
func TestInvopopCodesInCatalogue(t *testing.T) {
	b := newBundle(t)
	for _, e := range []validation.Error{
		validation.ErrRequired, validation.ErrNilOrNotEmpty, validation.ErrNotNilRequired,
		validation.ErrNil, validation.ErrEmpty, validation.ErrInInvalid, validation.ErrNotInInvalid,
		validation.ErrMatchInvalid, validation.ErrMultipleOfInvalid,
		validation.ErrLengthTooLong, validation.ErrLengthTooShort, validation.ErrLengthInvalid,
		validation.ErrLengthOutOfRange, validation.ErrLengthEmptyRequired,
		validation.ErrMinGreaterEqualThanRequired, validation.ErrMaxLessEqualThanRequired,
		validation.ErrMinGreaterThanRequired, validation.ErrMaxLessThanRequired,
		validation.ErrDateInvalid, validation.ErrDateOutOfRange,
		validation.ErrKeyWrongType, validation.ErrKeyMissing, validation.ErrKeyUnexpected,
	} {
		if id := "field." + normaliseCode(e.Code()); !b.Has(id) {
			t.Errorf("catalogue lacks %s (for %s)", id, e.Code())
		}
	}
}

func TestFieldsSelfReference(t *testing.T) {
	errs := validation.Errors{}
	errs["a"] = errs
	got, ok := Fields(errs, nil)
	if !ok || len(got) != 1 || got[0].Code != "invalid" {
		t.Errorf("Fields(self-referencing) = %v, %v", got, ok)
	}
}
