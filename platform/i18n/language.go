package i18n

import (
	"strings"

	"golang.org/x/text/language"
)

const (
	// maxTagLen bounds the language tags Parse looks at; real tags are far shorter.
	maxTagLen = 64
	// maxHeaderLen bounds how much of an Accept-Language header is read.
	maxHeaderLen = 4096
	// maxRanges bounds how many language ranges of one header are considered.
	maxRanges = 32
	// qOne is the weight 1.000 in thousandths.
	qOne = 1000
)

// Parse maps a language tag ("de", "de-AT", "es-419", "DE_de", " en ") to the
// supported base language it names. It returns false for an empty, malformed or
// unsupported tag, and for a tag whose language is only guessed ("und-DE").
func (b *Bundle) Parse(tag string) (string, bool) {
	tag = strings.TrimSpace(tag)
	if tag == "" || len(tag) > maxTagLen {
		return "", false
	}
	t, err := language.Parse(strings.ReplaceAll(tag, "_", "-"))
	if err != nil {
		return "", false
	}
	base, conf := t.Base()
	if conf != language.Exact {
		return "", false
	}
	if _, ok := b.localizers[base.String()]; !ok {
		return "", false
	}
	return base.String(), true
}

// langRange is one element of an Accept-Language header.
type langRange struct {
	lang string // supported base language; "" for "*" or an unsupported range
	q    int    // weight in thousandths, 0..1000
	any  bool   // the wildcard "*"
	pos  int    // position in the header, for ties
}

// MatchAcceptLanguage picks the best supported language for an RFC 9110
// Accept-Language header. A range matches the supported language it names
// ("de-AT" matches de); the highest weight wins and ties go to the range listed
// first. "lang;q=0" excludes a language; "*" stands for every supported language
// no other range names, preferring en. It returns false when nothing matches.
// Malformed ranges are skipped; only the first 4 KiB and 32 ranges are read.
func (b *Bundle) MatchAcceptLanguage(header string) (string, bool) {
	if header == "" {
		return "", false // most API clients send none: no parsing, no allocation
	}
	ranges, excluded, named := b.parseAcceptLanguage(header)
	best, bestQ, bestPos := "", 0, 0
	consider := func(lang string, q, pos int) {
		if excluded[lang] || q <= 0 {
			return
		}
		if best == "" || q > bestQ || q == bestQ && pos < bestPos {
			best, bestQ, bestPos = lang, q, pos
		}
	}
	for _, r := range ranges {
		switch {
		case r.any:
			for _, lang := range supported {
				if !named[lang] {
					consider(lang, r.q, r.pos)
				}
			}
		case r.lang != "":
			consider(r.lang, r.q, r.pos)
		}
	}
	return best, best != ""
}

// parseAcceptLanguage splits header into ranges. excluded holds the languages
// named exactly with q=0 ("de;q=0"); named holds every supported language some
// range refers to, which "*" then leaves alone.
func (b *Bundle) parseAcceptLanguage(header string) (ranges []langRange, excluded, named map[string]bool) {
	if len(header) > maxHeaderLen {
		header = header[:maxHeaderLen]
	}
	excluded, named = map[string]bool{}, map[string]bool{}
	for header != "" && len(ranges) < maxRanges {
		var elem string
		elem, header, _ = strings.Cut(header, ",")
		r, ok := b.parseRange(elem)
		if !ok {
			continue
		}
		r.pos = len(ranges)
		ranges = append(ranges, r)
		if r.lang == "" {
			continue
		}
		named[r.lang] = true
		if r.q == 0 && strings.EqualFold(rangeName(elem), r.lang) {
			excluded[r.lang] = true
		}
	}
	return ranges, excluded, named
}

// parseRange parses one `language-range *( OWS ";" OWS "q=" qvalue )` element.
// It returns false for an empty or malformed element.
func (b *Bundle) parseRange(elem string) (langRange, bool) {
	name, params, _ := strings.Cut(elem, ";")
	name = strings.Trim(name, " \t")
	r := langRange{q: qOne}
	if name == "*" {
		r.any = true
	} else if !isLanguageRange(name) {
		return r, false
	} else {
		r.lang, _ = b.Parse(name)
	}
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		p = strings.Trim(p, " \t")
		key, val, ok := strings.Cut(p, "=")
		if !ok || !strings.EqualFold(strings.Trim(key, " \t"), "q") {
			continue // not a weight: tolerated and ignored
		}
		q, ok := parseQ(strings.Trim(val, " \t"))
		if !ok {
			return r, false
		}
		r.q = q
	}
	return r, true
}

// rangeName returns the trimmed language range of an Accept-Language element.
func rangeName(elem string) string {
	name, _, _ := strings.Cut(elem, ";")
	return strings.Trim(name, " \t")
}

// isLanguageRange reports whether s is `1*8ALPHA *("-" 1*8alphanum)` (an
// underscore is tolerated as separator), at most maxTagLen long.
func isLanguageRange(s string) bool {
	if s == "" || len(s) > maxTagLen {
		return false
	}
	for i, sub := range strings.Split(strings.ReplaceAll(s, "_", "-"), "-") {
		if sub == "" || len(sub) > 8 {
			return false
		}
		for _, c := range []byte(sub) {
			alpha := c|0x20 >= 'a' && c|0x20 <= 'z'
			digit := c >= '0' && c <= '9'
			if !alpha && (i == 0 || !digit) {
				return false
			}
		}
	}
	return true
}

// parseQ parses an RFC 9110 qvalue ("0", "0.5", "1.000") into thousandths.
func parseQ(s string) (int, bool) {
	if s == "" || len(s) > 5 || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	q := int(s[0]-'0') * qOne
	if len(s) == 1 {
		return q, true
	}
	if s[1] != '.' {
		return 0, false
	}
	scale := 100
	for _, c := range []byte(s[2:]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		q += int(c-'0') * scale
		scale /= 10
	}
	return q, q <= qOne
}
