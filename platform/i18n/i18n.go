// Package i18n is Keel's message catalogue: it loads the embedded translations
// (en, de and es, en being the default), picks the best supported language for a
// request (?lang=, Accept-Language, a stored locale) and renders localized,
// plural-aware messages through per-language Localizers.
//
// Catalogues live in locales/<lang>.json in the go-i18n JSON format: flat message
// ids mapping either to a string or to plural forms ({"one": ..., "other": ...}),
// with Go template data such as {{.Count}}. A bounded context may keep its own
// messages beside them in locales/<context>.<lang>.json (what `cmd/gen` writes for a
// new context), one file per shipped language; an id is defined in one file only.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"text/template"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// DefaultLanguage is the language used when nothing better is known, and the
// fallback for messages missing from another catalogue.
const DefaultLanguage = "en"

// supported lists the shipped languages, default first. Its order is also the
// preference order when a client accepts any language ("*").
var supported = []string{DefaultLanguage, "de", "es"}

//go:embed locales/*.json
var locales embed.FS

// Bundle holds the parsed catalogues of every supported language and one cached
// Localizer per language. It is immutable after NewBundle and safe for
// concurrent use.
type Bundle struct {
	bundle     *goi18n.Bundle
	ids        map[string]struct{}   // message ids of the default catalogue
	localizers map[string]*Localizer // one per supported language
}

// NewBundle loads the embedded catalogues. It returns an error if a catalogue is
// missing, is not valid go-i18n JSON, or holds a message whose template does not
// parse.
func NewBundle() (*Bundle, error) {
	return newBundle(locales)
}

// newBundle loads the catalogue files of every supported language from fsys.
func newBundle(fsys fs.FS) (*Bundle, error) {
	b := &Bundle{
		bundle:     goi18n.NewBundle(language.English),
		localizers: make(map[string]*Localizer, len(supported)),
	}
	for _, lang := range supported {
		ids, err := b.load(fsys, lang)
		if err != nil {
			return nil, err
		}
		if lang == DefaultLanguage {
			b.ids = ids
		}
	}
	var fallback *Localizer
	for _, lang := range supported {
		l := &Localizer{lang: lang, loc: goi18n.NewLocalizer(b.bundle, lang), fallback: fallback}
		if lang == DefaultLanguage {
			fallback = l
		}
		b.localizers[lang] = l
	}
	return b, nil
}

// Files returns the catalogue files of lang in fsys, in the order they load:
// locales/<lang>.json first, then the contexts' locales/<context>.<lang>.json by name.
func Files(fsys fs.FS, lang string) ([]string, error) {
	own, err := fs.Glob(fsys, "locales/*."+lang+".json")
	if err != nil {
		return nil, err
	}
	slices.Sort(own)
	return append([]string{"locales/" + lang + ".json"}, own...), nil
}

// load parses every catalogue file of lang into the bundle, checks its templates, and
// returns the ids it defines; an id defined by two files is an error.
func (b *Bundle) load(fsys fs.FS, lang string) (map[string]struct{}, error) {
	names, err := Files(fsys, lang)
	if err != nil {
		return nil, err
	}
	ids := map[string]struct{}{}
	for _, name := range names {
		buf, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read catalogue %s: %w", name, err)
		}
		file, err := b.bundle.ParseMessageFileBytes(buf, lang+".json")
		if err != nil {
			return nil, fmt.Errorf("parse catalogue %s: %w", name, err)
		}
		if len(file.Messages) == 0 {
			return nil, fmt.Errorf("parse catalogue %s: no messages", name)
		}
		for _, m := range file.Messages {
			if err := checkTemplates(m); err != nil {
				return nil, fmt.Errorf("parse catalogue %s: %w", name, err)
			}
			if _, dup := ids[m.ID]; dup {
				return nil, fmt.Errorf("parse catalogue %s: message %q is defined in another %s catalogue too", name, m.ID, lang)
			}
			ids[m.ID] = struct{}{}
		}
	}
	return ids, nil
}

// checkTemplates parses every plural form of m, so that a broken template fails
// at start-up instead of when the message is first rendered.
func checkTemplates(m *goi18n.Message) error {
	if m.Other == "" {
		return fmt.Errorf("message %q has no \"other\" form", m.ID)
	}
	left, right := m.LeftDelim, m.RightDelim
	if left == "" {
		left = "{{"
	}
	if right == "" {
		right = "}}"
	}
	for _, src := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
		if src == "" {
			continue
		}
		if _, err := template.New(m.ID).Delims(left, right).Parse(src); err != nil {
			return fmt.Errorf("message %q: %w", m.ID, err)
		}
	}
	return nil
}

// Supported returns the shipped languages, the default (en) first.
func (b *Bundle) Supported() []string {
	return slices.Clone(supported)
}

// Has reports whether the message id exists in the default (en) catalogue.
func (b *Bundle) Has(id string) bool {
	_, ok := b.ids[id]
	return ok
}

// Localizer returns the cached Localizer for lang. lang may be any tag Parse
// accepts ("de", "de-AT"); an unsupported or malformed lang gives the default
// language's Localizer.
func (b *Bundle) Localizer(lang string) *Localizer {
	if l, ok := b.localizers[lang]; ok {
		return l
	}
	if base, ok := b.Parse(lang); ok {
		return b.localizers[base]
	}
	return b.localizers[DefaultLanguage]
}
