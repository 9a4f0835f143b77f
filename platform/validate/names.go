package validate

import (
	"strings"
	"unicode"
)

// JSONName spells a domain field name the way JSON does in Keel: the domain names its
// fields in snake_case ("new_password"), the API and the JSON Keel stores in camelCase
// ("newPassword"). Each segment of a dotted path is spelled on its own; a name without
// underscores is unchanged, so JSONName(JSONName(s)) == JSONName(s).
func JSONName(name string) string {
	if !strings.Contains(name, "_") {
		return name
	}
	segs := strings.Split(name, ".")
	for i, seg := range segs {
		words := strings.Split(seg, "_")
		for j := 1; j < len(words); j++ {
			if w := words[j]; w != "" {
				words[j] = strings.ToUpper(w[:1]) + w[1:]
			}
		}
		segs[i] = strings.Join(words, "")
	}
	return strings.Join(segs, ".")
}

// DomainName is JSONName's inverse: "newPassword" becomes "new_password".
func DomainName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if unicode.IsUpper(r) {
			b.WriteByte('_')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
