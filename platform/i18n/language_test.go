package i18n

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	b := newTestBundle(t)
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"en", "en", true},
		{"de", "de", true},
		{"es", "es", true},
		{"de-AT", "de", true},
		{"DE_de", "de", true},
		{"de_CH", "de", true},
		{"EN-gb", "en", true},
		{"es-419", "es", true},
		{"  es-MX ", "es", true},
		{"en-US-x-private", "en", true},
		{"fr", "", false},
		{"pt-BR", "", false},
		{"und", "", false},
		{"und-DE", "", false},
		{"*", "", false},
		{"", "", false},
		{"   ", "", false},
		{"d", "", false},
		{"german", "", false},
		{"de--AT", "", false},
		{"en;q=1", "", false},
		{"<script>", "", false},
		{strings.Repeat("de-", 40) + "de", "", false},
	}
	for _, tt := range tests {
		got, ok := b.Parse(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Parse(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestMatchAcceptLanguage(t *testing.T) {
	b := newTestBundle(t)
	tests := []struct {
		header string
		want   string
		ok     bool
	}{
		{"de", "de", true},
		{"de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7", "de", true},
		{"fr-FR, fr;q=0.9, es;q=0.5, en;q=0.4", "es", true},
		{"en;q=0.5, de;q=0.8", "de", true},
		{"en;q=0.8, de;q=0.8", "en", true}, // tie: first listed
		{"de;q=0.8, en;q=0.8", "de", true},
		{"es-419", "es", true},
		{"ES_es", "es", true},
		{"fr", "", false},
		{"fr, it;q=0.5", "", false},
		{"de;q=0", "", false},
		{"de;q=0, de-AT", "", false}, // de excluded outright
		{"de-AT;q=0, de;q=0.3", "de", true},
		{"*", "en", true},
		{"fr, *;q=0.1", "en", true},
		{"en;q=0, *", "de", true},
		{"en;q=0, de;q=0, *", "es", true},
		{"en;q=0.1, *;q=0.5", "de", true}, // * covers only the languages not named
		{"*;q=0", "", false},
		{"de;q=1.0", "de", true},
		{"de;Q=0.5", "de", true},
		{"de ; q=0.5 , en ; q=0.6", "en", true},
		{"de;q=2, en;q=0.1", "en", true},    // invalid weight: range skipped
		{"de;q=0.5x, en;q=0.1", "en", true}, // invalid weight
		{"de;q=1.001, es;q=0.1", "es", true},
		{"de;q=0.1234, es;q=0.1", "es", true},
		{"de;q=, es", "es", true},
		{"de;level=1", "de", true}, // unknown parameter ignored
		{"", "", false},
		{",,, ,", "", false},
		{"; q=1", "", false},
		{"%%%, d€, en", "en", true},
		{"x-klingon, tlh", "", false},
		{"i-default", "en", true}, // grandfathered tag for the default language
		{"12-de, de", "de", true},
		{"de-toolongsubtag", "", false},
		{strings.Repeat("fr,", maxRanges) + "de", "", false}, // beyond maxRanges
		{strings.Repeat(" ", maxHeaderLen) + ",de", "", false},
		{strings.Repeat("a", 1<<20), "", false},
	}
	for _, tt := range tests {
		got, ok := b.MatchAcceptLanguage(tt.header)
		if got != tt.want || ok != tt.ok {
			name := tt.header
			if len(name) > 60 {
				name = name[:60] + "..."
			}
			t.Errorf("MatchAcceptLanguage(%q) = %q, %v; want %q, %v", name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseQ(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"0", 0, true}, {"1", 1000, true}, {"0.5", 500, true}, {"0.001", 1, true},
		{"1.000", 1000, true}, {"0.", 0, true}, {"1.", 1000, true},
		{"1.5", 0, false}, {"2", 0, false}, {".5", 0, false}, {"0.0001", 0, false},
		{"-0", 0, false}, {"", 0, false}, {"0,5", 0, false}, {"0.5 ", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseQ(tt.in)
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("parseQ(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzMatchAcceptLanguage(f *testing.F) {
	b, err := NewBundle()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"de-DE,de;q=0.9", "*;q=0", "en;q=0, *", "DE_de", ";;;,,", "es-419;q=0.001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		got, ok := b.MatchAcceptLanguage(header)
		if ok != (got != "") {
			t.Fatalf("MatchAcceptLanguage(%q) = %q, %v", header, got, ok)
		}
		if ok && b.Localizer(got).Lang() != got {
			t.Fatalf("MatchAcceptLanguage(%q) = unsupported %q", header, got)
		}
		if lang, ok := b.Parse(header); ok && b.Localizer(lang).Lang() != lang {
			t.Fatalf("Parse(%q) = unsupported %q", header, lang)
		}
	})
}
