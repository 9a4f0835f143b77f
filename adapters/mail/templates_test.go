package mail_test

import (
	"errors"
	"html"
	"strings"
	"testing"

	"github.com/keelhq/keel/adapters/mail"
	"github.com/keelhq/keel/application/mailing"
	"github.com/keelhq/keel/platform/i18n"
)

func newTemplates(t *testing.T) *mail.Templates {
	t.Helper()
	b, err := i18n.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	return mail.NewTemplates(b)
}

func TestTemplatesRenderPasswordReset(t *testing.T) {
	t.Parallel()
	tpl := newTemplates(t)
	link := "https://app.example.com/reset-password?token=abc_DEF-123&lang=de"
	tests := []struct {
		locale, subject, phrase string
	}{
		{"en", "Reset your Keel password", "within 60 minutes"},
		{"de", "Ihr Keel-Passwort zurücksetzen", "innerhalb von 60 Minuten"},
		{"es", "Restablece tu contraseña de Keel", "en los próximos 60 minutos"},
		{"fr", "Reset your Keel password", "within 60 minutes"}, // unsupported: English
		{"", "Reset your Keel password", "within 60 minutes"},
	}
	for _, tt := range tests {
		t.Run(tt.locale, func(t *testing.T) {
			t.Parallel()
			subject, text, body, err := tpl.Render("password_reset", tt.locale, map[string]string{"Link": link, "Minutes": "60"})
			if err != nil {
				t.Fatal(err)
			}
			if subject != tt.subject {
				t.Errorf("subject %q, want %q", subject, tt.subject)
			}
			if !strings.Contains(text, link) || !strings.Contains(text, tt.phrase) {
				t.Errorf("text lacks the link or %q:\n%s", tt.phrase, text)
			}
			if strings.Contains(text, "<no value>") || strings.Contains(body, "<no value>") {
				t.Errorf("a placeholder was not filled")
			}
			esc := html.EscapeString(link) // & becomes &amp;
			if !strings.Contains(body, `<a href="`+esc+`">`+esc+`</a>`) {
				t.Errorf("html lacks the clickable, escaped link:\n%s", body)
			}
			if strings.Contains(body, "&lang=") {
				t.Errorf("unescaped & in html:\n%s", body)
			}
			if !strings.HasPrefix(body, "<!doctype html>") || strings.Count(body, "<p>") < 3 {
				t.Errorf("html not split into paragraphs:\n%s", body)
			}
		})
	}
}

func TestTemplatesEscapeHTML(t *testing.T) {
	t.Parallel()
	tpl := newTemplates(t)
	link := `https://app.example.com/x?a=1&b="><script>alert(1)</script>`
	_, text, body, err := tpl.Render("email_verification", "en", map[string]string{"Link": link, "Minutes": "<b>5</b>"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, link) || !strings.Contains(text, "<b>5</b>") {
		t.Errorf("text part must carry values verbatim:\n%s", text)
	}
	for _, bad := range []string{"<script>", "<b>", `"><`} {
		if strings.Contains(body, bad) {
			t.Errorf("html contains raw %q:\n%s", bad, body)
		}
	}
	if !strings.Contains(body, "&lt;b&gt;5&lt;/b&gt;") || !strings.Contains(body, "&lt;script&gt;") {
		t.Errorf("html does not escape values:\n%s", body)
	}
}

func TestTemplatesUnknown(t *testing.T) {
	t.Parallel()
	tpl := newTemplates(t)
	for _, name := range []string{"nope", "", "password_reset.subject", "../password_reset"} {
		_, _, _, err := tpl.Render(name, "en", nil)
		if !errors.Is(err, mailing.ErrUnknownTemplate) {
			t.Errorf("Render(%q) = %v, want ErrUnknownTemplate", name, err)
		}
	}
}

func TestTemplatesWithoutLink(t *testing.T) {
	t.Parallel()
	_, _, body, err := newTemplates(t).Render("password_reset", "es", map[string]string{"Minutes": "10"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(body, "<a ") {
		t.Errorf("a link appeared without one:\n%s", body)
	}
}
