// Package kerneltest helps tests read the validation errors every context returns.
package kerneltest

import (
	"errors"
	"testing"

	"github.com/invopop/validation"
)

// Code returns the stable code of a validation error: "" for nil, the text of an error
// without one.
func Code(err error) string {
	var ve validation.Error
	if errors.As(err, &ve) {
		return ve.Code()
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// FieldCodes returns the field -> code map of the validation.Errors in err's chain, and
// fails the test when there are none.
func FieldCodes(t testing.TB, err error) map[string]string {
	t.Helper()
	var errs validation.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error %v (%T) holds no validation.Errors", err, err)
	}
	out := make(map[string]string, len(errs))
	for field, e := range errs {
		out[field] = Code(e)
	}
	return out
}
