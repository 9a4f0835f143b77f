package validate_test

import (
	"testing"

	"github.com/keelhq/keel/platform/validate"
)

func TestNames(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ domain, json string }{
		{"email", "email"},
		{"new_password", "newPassword"},
		{"email_verified", "emailVerified"},
		{"items.unit_price", "items.unitPrice"},
		{"a_b_c", "aBC"},
	} {
		if got := validate.JSONName(tt.domain); got != tt.json {
			t.Errorf("JSONName(%q) = %q, want %q", tt.domain, got, tt.json)
		}
		if got := validate.JSONName(tt.json); got != tt.json {
			t.Errorf("JSONName(%q) = %q, want it unchanged", tt.json, got)
		}
		if tt.domain != "a_b_c" {
			if got := validate.DomainName(tt.json); got != tt.domain {
				t.Errorf("DomainName(%q) = %q, want %q", tt.json, got, tt.domain)
			}
		}
	}
}
