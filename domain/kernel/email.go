package kernel

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/invopop/validation"
	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// Email is an e-mail address in its one canonical spelling, so that two addresses that
// look alike are either equal or one of them is refused: an ASCII local part, lower-cased;
// the domain lower-cased and in IDNA ASCII form (punycode for an internationalised
// domain). Every path that takes an e-mail goes through ParseEmail.
type Email string

// Limits of RFC 5321: a forward path, and the local part.
const (
	maxEmailLength = 254
	maxLocalLength = 64
)

// ErrInvalidEmail is the validation error of a malformed or refused address.
var ErrInvalidEmail = validation.NewError("invalid_email", "must be a valid e-mail address")

// emailDomains converts a domain to its ASCII form the way a resolver would (UTS #46
// mapping, non-transitional), refusing what a hostname may not hold: characters outside
// letters, digits and hyphens, invalid bidirectional or joiner use, labels over 63 octets.
var emailDomains = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.BidiRule(),
	idna.StrictDomainName(true), idna.VerifyDNSLength(true))

// ParseEmail returns the canonical form of the address s, or ErrInvalidEmail
// (validation.ErrRequired when s is blank). It accepts a plain addr-spec only: no display
// name, no quoted local part, no address literal such as admin@[127.0.0.1].
//
// Look-alikes are folded together or refused: the address is NFKC-normalised first, so
// fullwidth ａｄｍｉｎ@ｅｘａｍｐｌｅ.com is admin@example.com; invisible characters
// (zero-width spaces and joiners, bidi controls, variation selectors, other format and
// control characters) are refused; the local part must then be ASCII, which refuses
// admın (dotless i), Cyrillic а in "аdmin" and a decomposed or precomposed "ádmin"; a
// domain label may not mix scripts (Latin with Cyrillic, say).
func ParseEmail(s string) (Email, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", validation.ErrRequired
	}
	if len(s) > 4*maxEmailLength || !utf8.ValidString(s) || hasInvisible(s) {
		return "", ErrInvalidEmail
	}
	s = norm.NFKC.String(s)
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return "", ErrInvalidEmail
	}
	local, domain := strings.ToLower(s[:at]), s[at+1:]
	if !dotAtom(local) || len(local) > maxLocalLength {
		return "", ErrInvalidEmail
	}
	domain, ok := canonicalDomain(domain)
	if !ok {
		return "", ErrInvalidEmail
	}
	addr := local + "@" + domain
	if len(addr) > maxEmailLength {
		return "", ErrInvalidEmail
	}
	return Email(addr), nil
}

// String returns the address.
func (e Email) String() string { return string(e) }

// hasInvisible reports characters that render as nothing or change how their neighbours
// render: format (Cf: zero-width space, joiners, bidi controls), control, private use,
// surrogates, line and paragraph separators, spaces, variation selectors and the other
// default-ignorable code points.
func hasInvisible(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Cf, unicode.Cc, unicode.Co, unicode.Cs, unicode.Zl, unicode.Zp, unicode.Zs,
			unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point) {
			return true
		}
	}
	return false
}

// dotAtom reports whether local is an RFC 5322 dot-atom of ASCII atext: no quotes, no
// spaces, no empty atom (leading, trailing or doubled dot).
func dotAtom(local string) bool {
	if local == "" {
		return false
	}
	for _, atom := range strings.Split(local, ".") {
		if atom == "" {
			return false
		}
		for i := range len(atom) {
			c := atom[i]
			if c >= 0x80 || !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
				strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0) {
				return false
			}
		}
	}
	return true
}

// canonicalDomain returns the lower-case ASCII (IDNA) form of a host name with at least
// two labels and a top-level label that is not numeric, so no IP address either.
func canonicalDomain(domain string) (string, bool) {
	if domain == "" || strings.HasPrefix(domain, "[") || strings.HasSuffix(domain, ".") {
		return "", false
	}
	for _, label := range strings.Split(domain, ".") {
		if mixedScripts(label) {
			return "", false
		}
	}
	ascii, err := emailDomains.ToASCII(domain)
	if err != nil {
		return "", false
	}
	ascii = strings.ToLower(ascii)
	labels := strings.Split(ascii, ".")
	tld := labels[len(labels)-1]
	if len(labels) < 2 || strings.Trim(tld, "0123456789") == "" {
		return "", false
	}
	return ascii, true
}

// scripts are the writing systems a label is judged by; Han, Hiragana, Katakana and
// Hangul count as one, since Japanese and Korean names mix them.
var scripts = []struct {
	name  string
	table *unicode.RangeTable
}{
	{"latin", unicode.Latin}, {"greek", unicode.Greek}, {"cyrillic", unicode.Cyrillic},
	{"armenian", unicode.Armenian}, {"georgian", unicode.Georgian}, {"hebrew", unicode.Hebrew},
	{"arabic", unicode.Arabic}, {"thai", unicode.Thai}, {"devanagari", unicode.Devanagari},
	{"cjk", unicode.Han}, {"cjk", unicode.Hiragana}, {"cjk", unicode.Katakana}, {"cjk", unicode.Hangul},
}

// mixedScripts reports whether label has letters of two scripts, the usual shape of a
// look-alike (a Cyrillic "а" among Latin letters). Digits and hyphens belong to none.
func mixedScripts(label string) bool {
	seen := ""
	for _, r := range label {
		if r < 0x80 && !unicode.IsLetter(r) {
			continue
		}
		name := "other"
		for _, sc := range scripts {
			if unicode.Is(sc.table, r) {
				name = sc.name
				break
			}
		}
		if seen != "" && name != seen {
			return true
		}
		seen = name
	}
	return false
}
