package web

import "strings"

// APIName turns a domain field name into the API's: the domain names its fields in
// snake_case ("new_password"), the API in camelCase ("newPassword"). Each segment of a
// dotted path is turned on its own; a name without underscores is unchanged. It is the one
// place the two vocabularies meet, for field errors and audit changes alike.
func APIName(name string) string {
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
