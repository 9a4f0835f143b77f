package e2e_test

import (
	"net/http"
	"testing"
)

// Look-alike addresses cannot open a second account that passes for an existing one:
// each is folded onto the existing address (409 email_taken) or refused (400).
func TestLookAlikeEmailsCannotRegister(t *testing.T) {
	t.Parallel()
	s := newStack(t, idGenerousLimits...)
	api := s.start("api")
	const password = "correct horse battery"
	if r := register(t, api.URL, "admin@example.com", password); r.Status != http.StatusCreated {
		t.Fatalf("register admin@example.com: %d\n%s", r.Status, r.Body)
	}
	for _, alike := range []string{
		"ａｄｍｉｎ@example.com",
		"admin@ｅｘａｍｐｌｅ.com",
		"a\u0301dmin@example.com",
		"admin\u200b@example.com",
		"adm\u0131n@example.com",
		"\u0430dmin@example.com",
		"ADMIN@EXAMPLE.COM",
		"admin@[127.0.0.1]",
	} {
		r := register(t, api.URL, alike, password)
		switch r.Status {
		case http.StatusConflict:
			wantProblem(t, r, http.StatusConflict, "email_taken")
		case http.StatusBadRequest:
			wantProblem(t, r, http.StatusBadRequest, "validation_failed")
		default:
			t.Errorf("register %+q: %d, want 409 or 400\n%s", alike, r.Status, r.Body)
		}
	}
	// The folded spelling signs in to the one account.
	if r := login(t, api.URL, "ａｄｍｉｎ@ｅｘａｍｐｌｅ.com", password); r.Status != http.StatusOK {
		t.Errorf("login with the fullwidth spelling: %d\n%s", r.Status, r.Body)
	}
}
