package i18n

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/fstest"
)

func newTestBundle(t testing.TB) *Bundle {
	t.Helper()
	b, err := NewBundle()
	if err != nil {
		t.Fatalf("NewBundle: %v", err)
	}
	return b
}

func TestSupportedAndHas(t *testing.T) {
	b := newTestBundle(t)
	got := b.Supported()
	if want := []string{"en", "de", "es"}; !slices.Equal(got, want) {
		t.Fatalf("Supported() = %v, want %v", got, want)
	}
	got[0] = "xx" // the caller's copy must not alter the bundle
	if b.Supported()[0] != "en" {
		t.Fatal("Supported() exposes internal state")
	}
	if !b.Has("problem.not_found.title") || !b.Has("field.required") {
		t.Error("Has reports a shipped id as missing")
	}
	if b.Has("no.such.id") || b.Has("") {
		t.Error("Has reports an unknown id as present")
	}
}

func TestLocalizer(t *testing.T) {
	b := newTestBundle(t)
	tests := []struct {
		lang, wantLang, id string
		data               map[string]any
		want               string
	}{
		{"en", "en", "problem.not_found.title", nil, "Not found"},
		{"de", "de", "problem.not_found.title", nil, "Nicht gefunden"},
		{"es", "es", "problem.not_found.title", nil, "No encontrado"},
		{"de-AT", "de", "field.required", nil, "ist erforderlich"},
		{"fr", "en", "field.required", nil, "is required"},
		{"", "en", "field.required", nil, "is required"},
		{"garbage!!", "en", "field.required", nil, "is required"},
		{"de", "de", "no.such.id", nil, "no.such.id"},
		{"en", "en", "field.length_out_of_range", map[string]any{"min": 2, "max": 10},
			"must be between 2 and 10 characters long"},
		{"es", "es", "field.min_greater_equal_than_required", map[string]any{"threshold": 1},
			"no debe ser menor que 1"},
		{"en", "en", "problem.unknown_field.detail", map[string]any{"Field": "foo"},
			`The request body has an unknown field "foo".`},
		{"en", "en", "problem.too_many_requests.detail", map[string]any{"RetryAfter": 30},
			"You have sent too many requests. Try again in 30 seconds."},
		{"en", "en", "field.length_too_long", map[string]any{"max": []int{1}}, "must be no more than [1] characters long"},
	}
	for _, tt := range tests {
		t.Run(tt.lang+"/"+tt.id, func(t *testing.T) {
			l := b.Localizer(tt.lang)
			if l.Lang() != tt.wantLang {
				t.Errorf("Lang() = %q, want %q", l.Lang(), tt.wantLang)
			}
			if got := l.T(tt.id, tt.data); got != tt.want {
				t.Errorf("T(%q) = %q, want %q", tt.id, got, tt.want)
			}
		})
	}
}

func TestLocalizerCached(t *testing.T) {
	b := newTestBundle(t)
	if b.Localizer("de") != b.Localizer("de") || b.Localizer("de-CH") != b.Localizer("de") {
		t.Error("Localizer is not cached per language")
	}
	if b.Localizer("xx") != b.Localizer("en") {
		t.Error("unsupported language does not give the en Localizer")
	}
}

func TestPlural(t *testing.T) {
	b := newTestBundle(t)
	const id = "problem.validation_failed.detail"
	tests := []struct {
		lang  string
		count int
		want  string
	}{
		{"en", 1, "The request has 1 invalid field."},
		{"en", 2, "The request has 2 invalid fields."},
		{"en", 0, "The request has 0 invalid fields."},
		{"de", 1, "Die Anfrage enthält 1 ungültiges Feld."},
		{"de", 3, "Die Anfrage enthält 3 ungültige Felder."},
		{"es", 1, "La solicitud tiene 1 campo no válido."},
		{"es", 5, "La solicitud tiene 5 campos no válidos."},
		{"es", 1000000, "La solicitud tiene 1000000 campos no válidos."},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.lang, tt.count), func(t *testing.T) {
			if got := b.Localizer(tt.lang).Plural(id, tt.count, nil); got != tt.want {
				t.Errorf("Plural = %q, want %q", got, tt.want)
			}
		})
	}
	data := map[string]any{"RetryAfter": 1}
	got := b.Localizer("de").Plural("problem.too_many_requests.detail", 1, data)
	if want := "Sie haben zu viele Anfragen gesendet. Versuchen Sie es bitte in 1 Sekunde erneut."; got != want {
		t.Errorf("Plural = %q, want %q", got, want)
	}
	if _, ok := data["Count"]; ok {
		t.Error("Plural modified the caller's data")
	}
	if got := b.Localizer("en").Plural("field.required", 2, nil); got != "is required" {
		t.Errorf("Plural on a singular message = %q", got)
	}
}

func TestNilLocalizer(t *testing.T) {
	var l *Localizer
	if l.Lang() != "en" || l.T("a.b", nil) != "a.b" || l.Plural("a.b", 2, nil) != "a.b" {
		t.Error("nil Localizer does not degrade to ids")
	}
}

func TestConcurrentUse(t *testing.T) {
	b := newTestBundle(t)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			lang := b.Supported()[i%3]
			for n := range 200 {
				l := b.Localizer(lang)
				_ = l.Plural("problem.validation_failed.detail", n, nil)
				_ = l.T("field.length_out_of_range", map[string]any{"min": 1, "max": n})
				_, _ = b.MatchAcceptLanguage("de-DE,de;q=0.9,en;q=0.8")
			}
		})
	}
	wg.Wait()
}

func BenchmarkT(b *testing.B) {
	bundle := newTestBundle(b)
	l := bundle.Localizer("de")
	data := map[string]any{"min": 1, "max": 10}
	for b.Loop() {
		_ = l.T("field.length_out_of_range", data)
	}
}

func TestNewBundleFromFS(t *testing.T) {
	good := `{"a": "A {{.X}}", "b": {"one": "one b", "other": "{{.Count}} b"}}`
	tests := []struct {
		name    string
		files   map[string]string
		wantErr bool
	}{
		{"valid", map[string]string{"en": good, "de": `{"a": "DE {{.X}}"}`, "es": good}, false},
		{"missing file", map[string]string{"en": good, "de": good}, true},
		{"bad json", map[string]string{"en": good, "de": `{"a": `, "es": good}, true},
		{"bad template", map[string]string{"en": good, "de": `{"a": "{{.X"}`, "es": good}, true},
		{"mixed keys", map[string]string{"en": good, "de": `{"a": {"one": "x", "foo": "y"}}`, "es": good}, true},
		{"empty", map[string]string{"en": `{}`, "de": good, "es": good}, true},
		{"a context's own files", map[string]string{"en": good, "de": `{"a": "DE {{.X}}"}`, "es": good,
			"invoice.en": `{"c": "C"}`, "invoice.de": `{"c": "DE C"}`}, false},
		{"an id in two files", map[string]string{"en": good, "de": `{"a": "DE {{.X}}"}`, "es": good,
			"invoice.de": `{"a": "DE again"}`}, true},
		{"an empty context file", map[string]string{"en": good, "de": good, "es": good, "invoice.es": `{}`}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for lang, body := range tt.files {
				fsys["locales/"+lang+".json"] = &fstest.MapFile{Data: []byte(body)}
			}
			b, err := newBundle(fsys)
			if (err != nil) != tt.wantErr {
				t.Fatalf("newBundle error = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			de := b.Localizer("de")
			if got := de.T("a", map[string]any{"X": 1}); got != "DE 1" {
				t.Errorf("T(a) = %q", got)
			}
			if got := de.Plural("b", 2, nil); got != "2 b" { // missing in de: en
				t.Errorf("Plural(b) = %q, want the en fallback", got)
			}
			want := "c" // the id of an unknown message
			if tt.files["invoice.de"] != "" {
				want = "DE C"
			}
			if got := de.T("c", nil); got != want {
				t.Errorf("T(c) = %q, want %q", got, want)
			}
			if got := b.Localizer("es").T("c", nil); tt.files["invoice.en"] != "" && got != "C" {
				t.Errorf("es T(c) = %q, want the en fallback", got)
			}
		})
	}
}
