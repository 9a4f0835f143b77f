package e2e_test

import (
	"net/http"
	"strings"
	"testing"
)

// The password and e-mail rows of API.md's Auth table; TestIdentityAPI runs them on its
// shared stack.

func idTestChangePassword(t *testing.T, w *idWorld) {
	u := w.user(t, "chpw", "")
	s2 := idLogin(t, w.api, u.Email, u.Password)
	path := "/v1/auth/password"

	r := w.as(t, u, http.MethodPost, path, map[string]any{"currentPassword": "wrong-pw-123", "newPassword": "brand-new-pw-1"})
	idProblem(t, r, http.StatusBadRequest, "invalid_current_password", "en")
	idWantAudit(t, w.db, r)
	r = w.as(t, u, http.MethodPost, path, map[string]any{"currentPassword": "wrong-pw-123", "newPassword": "brand-new-pw-1"}, "Accept-Language", "de")
	if p := idProblem(t, r, http.StatusBadRequest, "invalid_current_password", "de"); p["title"] != "Falsches aktuelles Passwort" {
		t.Fatalf("de title = %q", p["title"])
	}
	r = w.as(t, u, http.MethodPost, path, map[string]any{"currentPassword": "", "newPassword": "short"})
	idWantFields(t, idProblem(t, r, http.StatusBadRequest, "validation_failed", "en"), "en",
		map[string]string{"currentPassword": "required", "newPassword": "invalid_password"})
	idProblem(t, do(t, http.MethodPost, w.api+path, map[string]any{"currentPassword": u.Password, "newPassword": "brand-new-pw-1"}),
		http.StatusUnauthorized, "unauthenticated", "en")

	r = w.as(t, u, http.MethodPost, path, map[string]any{"currentPassword": u.Password, "newPassword": "brand-new-pw-1"})
	idStatus(t, r, http.StatusNoContent)
	idWantAudit(t, w.db, r, idAuditWant{Action: "auth.password_changed", Entity: "user", EntityID: u.UserID, ActorID: u.UserID, Changes: map[string]any{}})
	idWantAccepted(t, w.api, u.Access)
	idWantRefused(t, w.api, s2.Access)
	idProblem(t, do(t, http.MethodPost, w.api+"/v1/auth/refresh", map[string]any{"refreshToken": s2.Refresh}),
		http.StatusUnauthorized, "invalid_refresh_token", "en")
	idTokenPair(t, do(t, http.MethodPost, w.api+"/v1/auth/refresh", map[string]any{"refreshToken": u.Refresh}), http.StatusOK, false)
	idProblem(t, do(t, http.MethodPost, w.api+"/v1/auth/login", map[string]any{"email": u.Email, "password": u.Password}),
		http.StatusUnauthorized, "invalid_credentials", "en")
	idLogin(t, w.api, u.Email, "brand-new-pw-1")
}

const (
	idResetSubjectEN  = "Reset your Keel password"
	idVerifySubjectEN = "Confirm your e-mail address"
)

func idTestForgot(t *testing.T, w *idWorld) {
	u := w.user(t, "forgot", "")
	known := do(t, http.MethodPost, w.api+"/v1/auth/password/forgot", map[string]any{"email": u.Email})
	nobody := idEmail("forgot-nobody")
	unknown := do(t, http.MethodPost, w.api+"/v1/auth/password/forgot", map[string]any{"email": nobody})
	for _, r := range []response{known, unknown} {
		idStatus(t, r, http.StatusAccepted)
	}
	if string(known.Body) != string(unknown.Body) || known.Header.Get("Content-Type") != unknown.Header.Get("Content-Type") {
		t.Fatalf("known and unknown e-mail answer differently: %q vs %q", known.Body, unknown.Body)
	}
	m := w.mail.wait(t, u.Email, idResetSubjectEN, 1)[0]
	if !strings.HasPrefix(m.Link, "http://localhost:3000/reset-password?token=") || m.Token == "" {
		t.Fatalf("reset link %q", m.Link)
	}
	if got := idFilterMail(w.mail.all(t), nobody, ""); len(got) != 0 {
		t.Fatalf("%d e-mails to an address without an account", len(got))
	}
	idWantAudit(t, w.db, unknown)
}

// idResetToken asks for a reset e-mail and returns the token its link carries.
func (w *idWorld) resetToken(t *testing.T, email string) string {
	t.Helper()
	before := len(idFilterMail(w.mail.all(t), email, idResetSubjectEN))
	idStatus(t, do(t, http.MethodPost, w.api+"/v1/auth/password/forgot", map[string]any{"email": email}), http.StatusAccepted)
	mails := w.mail.wait(t, email, idResetSubjectEN, before+1)
	return mails[len(mails)-1].Token
}

func idTestReset(t *testing.T, w *idWorld) {
	u := w.user(t, "reset", "")
	s2 := idLogin(t, w.api, u.Email, u.Password)
	token := w.resetToken(t, u.Email)
	path := "/v1/auth/password/reset"

	r := do(t, http.MethodPost, w.api+path, map[string]any{"token": token, "newPassword": "short"})
	idWantFields(t, idProblem(t, r, http.StatusBadRequest, "validation_failed", "en"), "en", map[string]string{"newPassword": "invalid_password"})
	r = do(t, http.MethodPost, w.api+path, map[string]any{"token": "bogus-" + idRandom(16), "newPassword": "reset-new-pw-1"})
	idProblem(t, r, http.StatusBadRequest, "invalid_or_expired_token", "en")

	r = do(t, http.MethodPost, w.api+path, map[string]any{"token": token, "newPassword": "reset-new-pw-1"})
	idStatus(t, r, http.StatusNoContent)
	idWantAudit(t, w.db, r, idAuditWant{Action: "auth.password_reset", Entity: "user", EntityID: u.UserID, ActorID: u.UserID, Changes: map[string]any{}})
	for _, s := range []idSession{u, s2} {
		idWantRefused(t, w.api, s.Access)
		idProblem(t, do(t, http.MethodPost, w.api+"/v1/auth/refresh", map[string]any{"refreshToken": s.Refresh}),
			http.StatusUnauthorized, "invalid_refresh_token", "en")
	}
	r = do(t, http.MethodPost, w.api+path, map[string]any{"token": token, "newPassword": "reset-new-pw-2"}, "Accept-Language", "de")
	idProblem(t, r, http.StatusBadRequest, "invalid_or_expired_token", "de")
	idWantAudit(t, w.db, r)
	idProblem(t, do(t, http.MethodPost, w.api+"/v1/auth/login", map[string]any{"email": u.Email, "password": u.Password}),
		http.StatusUnauthorized, "invalid_credentials", "en")
	idLogin(t, w.api, u.Email, "reset-new-pw-1")
}

func idTestVerifyRequest(t *testing.T, w *idWorld) {
	u := w.user(t, "verifyreq", "")
	w.mail.wait(t, u.Email, idVerifySubjectEN, 1) // sent on sign-up
	r := w.as(t, u, http.MethodPost, "/v1/auth/email/verify/request", nil)
	idStatus(t, r, http.StatusAccepted)
	m := w.mail.wait(t, u.Email, idVerifySubjectEN, 2)
	if !strings.HasPrefix(m[1].Link, "http://localhost:3000/verify-email?token=") {
		t.Fatalf("verification link %q", m[1].Link)
	}
	idProblem(t, do(t, http.MethodPost, w.api+"/v1/auth/email/verify/request", nil), http.StatusUnauthorized, "unauthenticated", "en")
}

func idTestVerify(t *testing.T, w *idWorld) {
	u := w.user(t, "verify", "de")
	m := w.mail.wait(t, u.Email, "Bestätigen Sie Ihre E-Mail-Adresse", 1)[0] // the user's locale
	path := "/v1/auth/email/verify"
	r := do(t, http.MethodPost, w.api+path, map[string]any{"token": "bogus-" + idRandom(16)})
	idProblem(t, r, http.StatusBadRequest, "invalid_or_expired_token", "en")
	idProblem(t, do(t, http.MethodPost, w.api+path, map[string]any{}), http.StatusBadRequest, "invalid_or_expired_token", "en")

	r = do(t, http.MethodPost, w.api+path, map[string]any{"token": m.Token})
	idStatus(t, r, http.StatusNoContent)
	idWantAudit(t, w.db, r, idAuditWant{Action: "user.updated", Entity: "user", EntityID: u.UserID, ActorID: u.UserID,
		Changes: idChange("emailVerified", false, true)})
	if me := idMe(t, w.api, u.Access).JSON(t); me["emailVerified"] != true {
		t.Fatalf("emailVerified = %v after verification", me["emailVerified"])
	}
	idProblem(t, do(t, http.MethodPost, w.api+path, map[string]any{"token": m.Token}), http.StatusBadRequest, "invalid_or_expired_token", "en")
	// A verified address gets no more verification e-mails.
	idStatus(t, w.as(t, u, http.MethodPost, "/v1/auth/email/verify/request", nil), http.StatusAccepted)
	idWaitMailJobs(t, w.db, u.Email, u.UserID) // any job the request enqueued has run
	if n := len(idFilterMail(w.mail.all(t), u.Email, "")); n != 1 {
		t.Fatalf("%d e-mails after verifying, want 1", n)
	}
}
