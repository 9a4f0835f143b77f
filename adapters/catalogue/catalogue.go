// Package catalogue renders the texts of the service's own notifications from the
// message catalogue (platform/i18n): `notification.<kind>.title` and `.body`.
package catalogue

import (
	"github.com/keelhq/keel/application/notices"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/notification"
	"github.com/keelhq/keel/platform/i18n"
)

// Notices implements notices.Texts over the catalogue.
type Notices struct {
	bundle *i18n.Bundle
}

var _ notices.Texts = (*Notices)(nil)

// NewNotices returns a renderer over the catalogue.
func NewNotices(b *i18n.Bundle) *Notices { return &Notices{bundle: b} }

// Render implements notices.Texts.
func (n *Notices) Render(kind notification.Kind, locale kernel.Locale, data map[string]string) (title, body string, err error) {
	prefix := "notification." + string(kind) + "."
	if !n.bundle.Has(prefix+"title") || !n.bundle.Has(prefix+"body") {
		return "", "", notices.ErrUnknownKind
	}
	loc := n.bundle.Localizer(string(locale))
	td := make(map[string]any, len(data))
	for k, v := range data {
		td[k] = v
	}
	return loc.T(prefix+"title", td), loc.T(prefix+"body", td), nil
}
