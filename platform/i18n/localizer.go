package i18n

import (
	"maps"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
)

// Localizer renders messages in one language. It is obtained from
// Bundle.Localizer, is cached by the Bundle and is safe for concurrent use.
// A nil *Localizer is usable: it renders every message as its id.
type Localizer struct {
	lang     string
	loc      *goi18n.Localizer
	fallback *Localizer // the default language's Localizer; nil for en itself
}

// Lang returns the language of l ("en", "de" or "es").
func (l *Localizer) Lang() string {
	if l == nil {
		return DefaultLanguage
	}
	return l.lang
}

// T returns the message id rendered in l's language with data as template
// data. A message missing from l's catalogue comes from the default (en)
// catalogue; one missing there too, or one that fails to render, is returned as
// the id itself. T never panics.
func (l *Localizer) T(id string, data map[string]any) string {
	return l.render(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data}, id)
}

// Plural is T for a message with plural forms: count selects the form under
// the language's CLDR plural rules and is also available to the template as
// .Count (data is not modified).
func (l *Localizer) Plural(id string, count int, data map[string]any) string {
	td := make(map[string]any, len(data)+1)
	maps.Copy(td, data)
	td["Count"] = count
	return l.render(&goi18n.LocalizeConfig{MessageID: id, TemplateData: td, PluralCount: count}, id)
}

// render tries l, then the default language, then gives up with id.
func (l *Localizer) render(cfg *goi18n.LocalizeConfig, id string) string {
	for loc := l; loc != nil; loc = loc.fallback {
		if msg, ok := loc.localize(cfg); ok {
			return msg
		}
	}
	return id
}

// localize renders cfg with go-i18n. go-i18n itself falls back to the default
// language, and to the "other" form when a translation lacks a plural form;
// both return a usable message together with an error. A failed render returns
// an empty message, so with an error only a non-empty message counts.
func (l *Localizer) localize(cfg *goi18n.LocalizeConfig) (msg string, ok bool) {
	defer func() {
		if recover() != nil {
			msg, ok = "", false
		}
	}()
	msg, err := l.loc.Localize(cfg)
	if err != nil && msg == "" {
		return "", false
	}
	return msg, true
}
