package validate

import "strings"

// aliases maps invopop codes (prefix already stripped) to Keel's codes where
// the two differ.
var aliases = map[string]string{
	"is_email":                  "invalid_email",
	"not_nil_required":          "required",
	"nil_or_not_empty_required": "required",
	"key_missing":               "required",
	"key_unexpected":            "unknown_field",
	"key_wrong_type":            "invalid_type",
	"nil":                       "empty",
	"length_empty_required":     "empty",
}

// normaliseCode returns the stable field-error code of a validation.Error
// code: "validation_" stripped, then "is_uuid" and its versions ->
// "invalid_uuid", other "is_x" rules -> "invalid_x", and the aliases above.
// A domain's own codes ("invalid_locale") are kept; an empty code is "invalid".
func normaliseCode(code string) string {
	code = strings.TrimPrefix(code, "validation_")
	if alias, ok := aliases[code]; ok {
		return alias
	}
	switch {
	case code == "":
		return codeInvalid
	case strings.HasPrefix(code, "is_uuid"):
		return "invalid_uuid"
	case strings.HasPrefix(code, "is_"):
		return "invalid_" + strings.TrimPrefix(code, "is_")
	}
	return code
}
