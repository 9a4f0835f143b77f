// Package validate turns github.com/invopop/validation errors into the
// localized field errors of a validation_failed problem: one FieldError per
// invalid field, with a dotted path ("address.street", "items.0.name"), a
// stable snake_case code and a message from the i18n catalogue.
package validate

import (
	"bytes"
	"cmp"
	"errors"
	"slices"
	"strings"
	"text/template"

	"github.com/invopop/validation"

	"github.com/keelhq/keel/platform/i18n"
)

const (
	// codeInvalid is the code of an error that carries no usable code of its own.
	codeInvalid = "invalid"
	// maxDepth bounds the nesting Fields follows, against self-referencing Errors.
	maxDepth = 32
)

// FieldError is one invalid field of a request, as listed in the "errors"
// member of a validation_failed problem.
type FieldError struct {
	// Field is the dotted path of the field: "email", "address.street", "items.0.name".
	Field string `json:"field"`
	// Code is stable and machine-readable, e.g. "required", "invalid_email".
	Code string `json:"code"`
	// Message is the localized, human-readable text, e.g. "is required".
	Message string `json:"message"`
}

// Fields flattens the validation.Errors held by err (possibly wrapped) into
// field errors sorted by field, with messages in loc's language. It returns
// false when err holds no validation.Errors.
//
// A validation.Error gives its code without the "validation_" prefix (with a
// few normalised: is_email -> invalid_email, is_uuid* -> invalid_uuid, other
// is_x -> invalid_x, the various "required" and "blank" codes -> required and
// empty); a domain error made with validation.NewError("invalid_locale", ...)
// keeps its code. Any other error has code "invalid". The message is the
// catalogue's "field.<code>" rendered with the error's params; without such an
// entry, the error's own (English) message.
func Fields(err error, loc *i18n.Localizer) ([]FieldError, bool) {
	var errs validation.Errors
	if !errors.As(err, &errs) {
		return nil, false
	}
	out := make([]FieldError, 0, len(errs))
	out = flatten(out, "", errs, loc, 0)
	slices.SortStableFunc(out, func(a, b FieldError) int {
		return cmp.Or(cmp.Compare(a.Field, b.Field), cmp.Compare(a.Code, b.Code))
	})
	return out, true
}

// flatten appends the field errors of errs, whose keys are relative to prefix.
func flatten(out []FieldError, prefix string, errs validation.Errors, loc *i18n.Localizer, depth int) []FieldError {
	for key, err := range errs {
		if err == nil {
			continue
		}
		field := join(prefix, key)
		var nested validation.Errors
		if errors.As(err, &nested) {
			if depth < maxDepth {
				out = flatten(out, field, nested, loc, depth+1)
			} else { // not err.Error(): that recurses without bound too
				out = append(out, FieldError{Field: field, Code: codeInvalid, Message: message(loc, codeInvalid, nil, "is invalid")})
			}
			continue
		}
		out = append(out, fieldError(field, err, loc))
	}
	return out
}

// join appends key to the dotted path prefix.
func join(prefix, key string) string {
	switch {
	case prefix == "":
		return key
	case key == "":
		return prefix
	default:
		return prefix + "." + key
	}
}

// fieldError builds the FieldError of one leaf error.
func fieldError(field string, err error, loc *i18n.Localizer) FieldError {
	var verr validation.Error
	if !errors.As(err, &verr) || verr.Code() == "" {
		return FieldError{Field: field, Code: codeInvalid, Message: message(loc, codeInvalid, nil, err.Error())}
	}
	code := normaliseCode(verr.Code())
	params := verr.Params()
	return FieldError{Field: field, Code: code, Message: message(loc, code, params, render(verr.Message(), params))}
}

// message returns the catalogue's field.<code> rendered with params, or
// fallback when the catalogue has no such message.
func message(loc *i18n.Localizer, code string, params map[string]any, fallback string) string {
	id := "field." + code
	if msg := loc.T(id, params); msg != id {
		return msg
	}
	return fallback
}

// render executes an invopop message template with params. Unlike
// validation.ErrorObject.Error it does not panic on a malformed template: it
// returns the message unrendered.
func render(msg string, params map[string]any) string {
	if len(params) == 0 || !strings.Contains(msg, "{{") {
		return msg
	}
	tmpl, err := template.New("").Parse(msg)
	if err != nil {
		return msg
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, params); err != nil {
		return msg
	}
	return buf.String()
}
