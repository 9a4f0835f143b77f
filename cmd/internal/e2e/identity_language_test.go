package e2e_test

import (
	"net/http"
	"testing"
)

// idTestLanguage: ?lang= wins, then Accept-Language, then English; Content-Language says
// which was used, and titles, details and field messages come from that catalogue.
func idTestLanguage(t *testing.T, w *idWorld) {
	bad := map[string]any{"email": "nope", "password": "short", "name": "ok"}
	cases := []struct {
		name, query string
		headers     []string
		lang        string
		title       string
	}{
		{"default", "", nil, "en", "Validation failed"},
		{"Accept-Language de", "", []string{"Accept-Language", "de"}, "de", "Validierung fehlgeschlagen"},
		{"Accept-Language with weights", "", []string{"Accept-Language", "fr-CH, fr;q=0.9, es;q=0.8, de;q=0.7"}, "es", "La validación ha fallado"},
		{"?lang=de", "?lang=de", nil, "de", "Validierung fehlgeschlagen"},
		{"?lang wins over Accept-Language", "?lang=de", []string{"Accept-Language", "es"}, "de", "Validierung fehlgeschlagen"},
		{"unknown ?lang falls back to Accept-Language", "?lang=fr", []string{"Accept-Language", "es"}, "es", "La validación ha fallado"},
		{"nothing supported", "", []string{"Accept-Language", "fr, it"}, "en", "Validation failed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, http.MethodPost, w.api+"/v1/auth/register"+c.query, bad, c.headers...)
			p := idProblem(t, r, http.StatusBadRequest, "validation_failed", c.lang)
			if p["title"] != c.title {
				t.Fatalf("title = %q, want %q", p["title"], c.title)
			}
			idWantFields(t, p, c.lang, map[string]string{"email": "invalid_email", "password": "invalid_password"})
		})
	}
	t.Run("en and de spot checks", func(t *testing.T) {
		r := do(t, http.MethodGet, w.api+"/v1/auth/me", nil)
		p := idProblem(t, r, http.StatusUnauthorized, "unauthenticated", "en")
		if p["title"] != "Authentication required" || p["detail"] != "Sign in or send a valid access token to use this resource." {
			t.Fatalf("en: %q / %q", p["title"], p["detail"])
		}
		r = do(t, http.MethodGet, w.api+"/v1/auth/me?lang=de", nil)
		p = idProblem(t, r, http.StatusUnauthorized, "unauthenticated", "de")
		if p["title"] != "Anmeldung erforderlich" || p["detail"] != "Melden Sie sich an oder senden Sie ein gültiges Zugriffstoken, um diese Ressource zu nutzen." {
			t.Fatalf("de: %q / %q", p["title"], p["detail"])
		}
		r = do(t, http.MethodPost, w.api+"/v1/auth/login", map[string]any{"email": idEmail("x"), "password": "whatever-1"}, "Accept-Language", "de")
		p = idProblem(t, r, http.StatusUnauthorized, "invalid_credentials", "de")
		if p["detail"] != "Die E-Mail-Adresse oder das Passwort ist falsch." {
			t.Fatalf("de detail: %q", p["detail"])
		}
	})
}

// idTestUserLocale: a signed-in user whose locale is de gets German without asking; a
// language the request names still wins; a changed locale applies to the next request.
func idTestUserLocale(t *testing.T, w *idWorld) {
	u := w.user(t, "deutsch", "de")
	r := w.as(t, u, http.MethodGet, "/v1/users", nil)
	if p := idProblem(t, r, http.StatusForbidden, "forbidden", "de"); p["title"] != "Zugriff verweigert" || p["detail"] != "Sie dürfen diese Aktion nicht ausführen." {
		t.Fatalf("de: %q / %q", p["title"], p["detail"])
	}
	r = w.as(t, u, http.MethodPatch, "/v1/users/me", map[string]any{"locale": "fr"})
	p := idProblem(t, r, http.StatusBadRequest, "validation_failed", "de")
	idWantFields(t, p, "de", map[string]string{"locale": "invalid_locale"})
	if p["detail"] != "Die Anfrage enthält 1 ungültiges Feld." {
		t.Fatalf("de detail: %q", p["detail"])
	}
	idProblem(t, w.as(t, u, http.MethodGet, "/v1/users", nil, "Accept-Language", "en"), http.StatusForbidden, "forbidden", "en")
	idProblem(t, w.as(t, u, http.MethodGet, "/v1/users?lang=es", nil, "Accept-Language", "en"), http.StatusForbidden, "forbidden", "es")
	if r := w.as(t, u, http.MethodGet, "/v1/users/me", nil); r.Header.Get("Content-Language") != "de" {
		t.Fatalf("GET me: Content-Language %q, want de", r.Header.Get("Content-Language"))
	}

	t.Run("a changed locale applies at once", func(t *testing.T) {
		r := w.as(t, u, http.MethodPatch, "/v1/users/me", map[string]any{"locale": "es"})
		if r.Status != http.StatusOK || r.Header.Get("Content-Language") == "" {
			t.Fatalf("PATCH me: %d %s", r.Status, r.Body)
		}
		idProblem(t, w.as(t, u, http.MethodGet, "/v1/users", nil), http.StatusForbidden, "forbidden", "es")
	})
}
