package e2e_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestIdentityForgotPasswordSMTP: the worker delivers over SMTP to a real server started
// by the test. Forgot-password sends exactly one e-mail, in the account's locale (not the
// request's), and the token its link carries resets the password once.
func TestIdentityForgotPasswordSMTP(t *testing.T) {
	t.Parallel()
	smtpd := idStartSMTP(t)
	s := newStack(t, append([]string{
		"MAIL_DRIVER=smtp", "MAIL_SMTP_HOST=127.0.0.1", fmt.Sprintf("MAIL_SMTP_PORT=%d", smtpd.Port), "MAIL_SMTP_TLS=none",
		"MAIL_FROM=Keel Test <no-reply@keel.test>", "MAIL_LINK_BASE_URL=https://app.keel.test",
	}, idGenerousLimits...)...)
	api := s.start("api").URL
	s.start("worker")
	db := idDB(t, s)
	// quiet waits until the worker has finished every e-mail job for the address or the
	// account (userID, "" for none), then checks that to received exactly n e-mails in all.
	quiet := func(t *testing.T, to, userID string, n int) []idMail {
		t.Helper()
		idWaitMailJobs(t, db, to, userID)
		got := idFilterMail(smtpd.messages(), to, "")
		if len(got) != n {
			var subjects []string
			for _, m := range got {
				subjects = append(subjects, m.Subject)
			}
			t.Fatalf("%s received %d e-mails %q, want %d", to, len(got), subjects, n)
		}
		return got
	}

	cases := []struct {
		locale, verifySubject, resetSubject, bodyHint string
	}{
		{"es", "Confirma tu dirección de correo electrónico", "Restablece tu contraseña de Keel", "contraseña"},
		{"de", "Bestätigen Sie Ihre E-Mail-Adresse", "Ihr Keel-Passwort zurücksetzen", "Passwort"},
	}
	for _, c := range cases {
		t.Run(c.locale, func(t *testing.T) {
			u := idNewUser(t, api, "smtp-"+c.locale, c.locale)
			idWaitMail(t, smtpd.messages, u.Email, c.verifySubject, 1) // sign-up's verification e-mail

			r := do(t, http.MethodPost, api+"/v1/auth/password/forgot", map[string]any{"email": strings.ToUpper(u.Email)}, "Accept-Language", "en")
			idStatus(t, r, http.StatusAccepted)
			idWaitMail(t, smtpd.messages, u.Email, c.resetSubject, 1)
			mails := quiet(t, u.Email, u.UserID, 2)
			reset := idFilterMail(mails, u.Email, c.resetSubject)
			if len(reset) != 1 {
				t.Fatalf("%d reset e-mails, want exactly 1", len(reset))
			}
			m := reset[0]
			if !strings.Contains(m.Text, c.bodyHint) || !strings.Contains(m.HTML, `<a href="`+m.Link+`">`) {
				t.Fatalf("reset e-mail body is not the %s template with its link:\n%s\n%s", c.locale, m.Text, m.HTML)
			}
			if !strings.HasPrefix(m.Link, "https://app.keel.test/reset-password?token=") || len(m.Token) < 43 {
				t.Fatalf("reset link %q", m.Link)
			}
			if !strings.Contains(string(m.Raw), "From: \"Keel Test\" <no-reply@keel.test>") {
				t.Fatalf("From header: %s", m.Raw[:min(len(m.Raw), 300)])
			}

			path := api + "/v1/auth/password/reset"
			idStatus(t, do(t, http.MethodPost, path, map[string]any{"token": m.Token, "newPassword": "smtp-reset-pw-1"}), http.StatusNoContent)
			idProblem(t, do(t, http.MethodPost, path, map[string]any{"token": m.Token, "newPassword": "smtp-reset-pw-2"}),
				http.StatusBadRequest, "invalid_or_expired_token", "en")
			idWantRefused(t, api, u.Access)
			idLogin(t, api, u.Email, "smtp-reset-pw-1")
			idProblem(t, do(t, http.MethodPost, api+"/v1/auth/login", map[string]any{"email": u.Email, "password": "smtp-reset-pw-2"}),
				http.StatusUnauthorized, "invalid_credentials", "en")
		})
	}
	t.Run("unknown address gets nothing", func(t *testing.T) {
		nobody := idEmail("smtp-nobody")
		idStatus(t, do(t, http.MethodPost, api+"/v1/auth/password/forgot", map[string]any{"email": nobody}), http.StatusAccepted)
		quiet(t, nobody, "", 0)
	})
}
