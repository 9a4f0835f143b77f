package web

import "testing"

func TestOriginsCompareSchemeHostAndPort(t *testing.T) {
	o := NewOrigins([]string{"http://localhost:*", "https://app.example.com", "https://*.example.org:8443"})
	for origin, want := range map[string]bool{
		"http://localhost:3000":              true,
		"http://localhost":                   true,
		"HTTP://LOCALHOST:3000":              true,
		"https://app.example.com":            true,
		"https://a.example.org:8443":         true,
		"http://localhost:3000.evil.example": false,
		"http://localhost:1@evil.example":    false,
		"http://localhost:1/@evil.example":   false,
		"http://localhost.evil.example:3000": false,
		"https://localhost:3000":             false,
		"http://app.example.com":             false,
		"https://app.example.com:444":        false,
		"https://app.example.com.evil":       false,
		"https://a.b.example.org:8443":       false,
		"https://a.example.org":              false,
		"http://localhost:*":                 false,
		"http://localhost:abc":               false,
		"null":                               false,
		"":                                   false,
	} {
		if got := o.Allowed(origin); got != want {
			t.Errorf("Allowed(%q) = %v, want %v", origin, got, want)
		}
	}
	if !NewOrigins([]string{"*"}).Allowed("https://any.example") {
		t.Error(`"*" refuses an origin`)
	}
}
