package mail

import (
	"html"
	"strings"

	"github.com/keelhq/keel/application/mailing"
	"github.com/keelhq/keel/platform/i18n"
)

// Templates renders e-mails from the message catalogue: `email.<name>.subject` and
// `email.<name>.body` (plain text; blank lines separate paragraphs). The HTML part is the
// escaped text, with the template's Link made clickable.
type Templates struct {
	bundle *i18n.Bundle
}

// NewTemplates returns a renderer over the catalogue.
func NewTemplates(b *i18n.Bundle) *Templates { return &Templates{bundle: b} }

// Render implements mailing.Renderer.
func (t *Templates) Render(name, locale string, data map[string]string) (subject, text, htmlBody string, err error) {
	prefix := "email." + name + "."
	if !t.bundle.Has(prefix+"subject") || !t.bundle.Has(prefix+"body") {
		return "", "", "", mailing.ErrUnknownTemplate
	}
	loc := t.bundle.Localizer(locale)
	td := make(map[string]any, len(data))
	for k, v := range data {
		td[k] = v
	}
	subject = loc.T(prefix+"subject", td)
	text = loc.T(prefix+"body", td)
	return subject, text, toHTML(text, data["Link"]), nil
}

func toHTML(text, link string) string {
	var b strings.Builder
	b.WriteString("<!doctype html><html><body>")
	for _, para := range strings.Split(text, "\n\n") {
		p := strings.ReplaceAll(html.EscapeString(strings.TrimSpace(para)), "\n", "<br>")
		if link != "" {
			esc := html.EscapeString(link)
			p = strings.ReplaceAll(p, esc, `<a href="`+esc+`">`+esc+`</a>`)
		}
		b.WriteString("<p>" + p + "</p>")
	}
	b.WriteString("</body></html>")
	return b.String()
}
