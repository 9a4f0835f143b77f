package kernel_test

import (
	"testing"

	"github.com/keelhq/keel/domain/kernel"
)

// Addresses that look alike are one address, or refused.
func TestParseEmailFoldsOrRefusesLookAlikes(t *testing.T) {
	folded := map[string]string{
		"ａｄｍｉｎ@example.com":              "admin@example.com", // fullwidth local part
		"admin@ｅｘａｍｐｌｅ.com":              "admin@example.com", // fullwidth domain
		"ADMIN@EXAMPLE.COM":              "admin@example.com",
		"admin@example\uFF0Ecom":         "admin@example.com", // fullwidth full stop
		"admin@bücher.example":           "admin@xn--bcher-kva.example",
		"admin@BÜCHER.example":           "admin@xn--bcher-kva.example",
		"admin@bu\u0308cher.example":     "admin@xn--bcher-kva.example", // decomposed ü
		"admin@xn--bcher-kva.example":    "admin@xn--bcher-kva.example",
		"admin@例え.jp":                    "admin@xn--r8jz45g.jp",
		"first.last+tag@sub.example.org": "first.last+tag@sub.example.org",
	}
	for in, want := range folded {
		got, err := kernel.ParseEmail(in)
		if err != nil || string(got) != want {
			t.Errorf("ParseEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{
		"admin\u200b@example.com",   // zero-width space
		"ad\u200dmin@example.com",   // zero-width joiner
		"admin@exa\u200bmple.com",   // zero-width space in the domain
		"\u202eadmin@example.com",   // right-to-left override
		"admin\ufe0f@example.com",   // variation selector
		"admin\u00ad@example.com",   // soft hyphen
		"adm\u0131n@example.com",    // dotless i
		"\u0430dmin@example.com",    // Cyrillic a
		"a\u0301dmin@example.com",   // decomposed á
		"\u00e1dmin@example.com",    // precomposed á
		"admin@ex\u0430mple.com",    // Cyrillic a among Latin letters in the domain
		"admin@[127.0.0.1]",         // address literal
		"admin@[IPv6:::1]",          // address literal
		"admin@127.0.0.1",           // an IP as domain
		"admin@example.123",         // numeric top-level label
		"admin@exa_mple.com",        // not a host name
		"admin@-example.com",        // hyphen at a label's start
		"admin@example..com",        // empty label
		`"admin"@example.com`,       // quoted local part
		"ad..min@example.com",       // empty atom
		".admin@example.com",        // leading dot
		"admin@@example.com",        // two at signs
		"admin@example.com\x00",     // NUL
		"admin\x00@example.com",     // NUL
		"adm in@example.com",        // space
		"admin\u3000@example.com",   // ideographic space
		"Admin <admin@example.com>", // display name
		"admin@localhost",           // one label
		"admin@example.com.",        // trailing dot
		"\xff@example.com",          // not UTF-8
	} {
		if got, err := kernel.ParseEmail(in); !sameError(err, kernel.ErrInvalidEmail) {
			t.Errorf("ParseEmail(%q) = %q, %v; want ErrInvalidEmail", in, got, err)
		}
	}
}
