package i18n

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// requiredForms are the CLDR plural forms (for integers) each shipped language
// needs in a plural message.
var requiredForms = map[string][]string{
	"en": {"one", "other"},
	"de": {"one", "other"},
	"es": {"one", "many", "other"},
}

var placeholderRE = regexp.MustCompile(`\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// catalogue is one locale file as raw JSON: id -> string or plural forms.
type catalogue map[string]any

// readCatalogue merges every catalogue file of lang (see Files) as raw JSON, failing
// on an id two files define.
func readCatalogue(t *testing.T, lang string) catalogue {
	t.Helper()
	names, err := Files(locales, lang)
	if err != nil {
		t.Fatal(err)
	}
	c := catalogue{}
	for _, name := range names {
		buf, err := locales.ReadFile(name)
		if err != nil {
			t.Fatalf("read %s: %v", lang, err)
		}
		var file catalogue
		if err := json.Unmarshal(buf, &file); err != nil {
			t.Fatalf("%s is not valid JSON: %v", name, err)
		}
		for id, v := range file {
			if _, dup := c[id]; dup {
				t.Errorf("%s: %s is defined in another %s catalogue too", name, id, lang)
			}
			c[id] = v
		}
	}
	return c
}

// forms returns the plural forms of a message (a plain string is "other").
func forms(t *testing.T, lang, id string, v any) map[string]string {
	t.Helper()
	switch v := v.(type) {
	case string:
		return map[string]string{"other": v}
	case map[string]any:
		out := make(map[string]string, len(v))
		for k, s := range v {
			str, ok := s.(string)
			if !ok {
				t.Errorf("%s: %s.%s is not a string", lang, id, k)
			}
			out[k] = str
		}
		return out
	default:
		t.Errorf("%s: %s has unexpected type %T", lang, id, v)
		return nil
	}
}

// placeholders returns the sorted, deduplicated template fields of all forms.
func placeholders(fs map[string]string) []string {
	var out []string
	for _, s := range fs {
		for _, m := range placeholderRE.FindAllStringSubmatch(s, -1) {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestCataloguesParse(t *testing.T) {
	if _, err := NewBundle(); err != nil {
		t.Fatalf("NewBundle: %v", err)
	}
	for _, lang := range supported {
		if len(readCatalogue(t, lang)) == 0 {
			t.Errorf("%s.json is empty", lang)
		}
	}
}

func TestCataloguesComplete(t *testing.T) {
	en := readCatalogue(t, DefaultLanguage)
	for _, lang := range supported[1:] {
		c := readCatalogue(t, lang)
		for id := range en {
			if _, ok := c[id]; !ok {
				t.Errorf("%s.json lacks %q", lang, id)
			}
		}
		for id := range c {
			if _, ok := en[id]; !ok {
				t.Errorf("%s.json has %q, which en.json lacks", lang, id)
			}
		}
	}
}

func TestCataloguePlaceholdersAndForms(t *testing.T) {
	en := readCatalogue(t, DefaultLanguage)
	for _, lang := range supported {
		c := readCatalogue(t, lang)
		for _, id := range slices.Sorted(maps.Keys(c)) {
			fs := forms(t, lang, id, c[id])
			enForms := forms(t, DefaultLanguage, id, en[id])
			if got, want := placeholders(fs), placeholders(enForms); !slices.Equal(got, want) {
				t.Errorf("%s: %s has placeholders %v, en has %v", lang, id, got, want)
			}
			checkForms(t, lang, id, fs, len(enForms) > 1)
		}
	}
}

func checkForms(t *testing.T, lang, id string, fs map[string]string, plural bool) {
	t.Helper()
	for form, s := range fs {
		if strings.TrimSpace(s) == "" {
			t.Errorf("%s: %s.%s is empty", lang, id, form)
		}
		if !slices.Contains(requiredForms[lang], form) {
			t.Errorf("%s: %s has form %q, which %s does not use", lang, id, form, lang)
		}
	}
	if !plural {
		return
	}
	for _, form := range requiredForms[lang] {
		if _, ok := fs[form]; !ok {
			t.Errorf("%s: plural message %s lacks form %q", lang, id, form)
		}
	}
}

// TestEveryMessageRenders renders every message in every language with its
// placeholders filled and checks nothing falls back to the id or to en.
func TestEveryMessageRenders(t *testing.T) {
	b := newTestBundle(t)
	en := readCatalogue(t, DefaultLanguage)
	for _, lang := range supported {
		loc := b.Localizer(lang)
		for id, v := range en {
			data := map[string]any{}
			for _, p := range placeholders(forms(t, lang, id, v)) {
				data[p] = "X" + p
			}
			got := loc.T(id, data)
			if got == id || strings.Contains(got, "<no value>") {
				t.Errorf("%s: %s rendered as %q", lang, id, got)
			}
			for p := range data {
				if p != "Count" && !strings.Contains(got, "X"+p) {
					t.Errorf("%s: %s = %q lacks placeholder %s", lang, id, got, p)
				}
			}
			if lang != DefaultLanguage && got == b.Localizer(DefaultLanguage).T(id, data) {
				t.Errorf("%s: %s is not translated: %q", lang, id, got)
			}
		}
	}
}
