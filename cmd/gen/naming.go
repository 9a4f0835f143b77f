package main

import (
	"go/token"
	"strings"
	"unicode"
)

// initialisms are the words Go spells in capitals inside identifiers (CustomerID, not
// CustomerId).
var initialisms = map[string]string{
	"id": "ID", "url": "URL", "uri": "URI", "http": "HTTP", "https": "HTTPS", "api": "API", "json": "JSON",
	"sql": "SQL", "ip": "IP", "uuid": "UUID", "html": "HTML", "xml": "XML", "ui": "UI", "os": "OS",
}

// words splits a snake_case or camelCase name into lower-case words.
func words(name string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, strings.ToLower(cur.String()))
			cur.Reset()
		}
	}
	for _, r := range name {
		switch {
		case r == '_' || r == '-' || r == ' ':
			flush()
		case unicode.IsUpper(r):
			flush()
			cur.WriteRune(r)
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return out
}

// exported spells words as an exported Go identifier: "customer_id" is CustomerID.
func exported(ws []string) string {
	var b strings.Builder
	for _, w := range ws {
		if up, ok := initialisms[w]; ok {
			b.WriteString(up)
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// unexported spells words as an unexported Go identifier: "customer_id" is customerID;
// a keyword or predeclared name gets a "Value" suffix ("type" is typeValue).
func unexported(ws []string) string {
	first := ws[0]
	if up, ok := initialisms[first]; ok && len(ws) > 1 {
		first = strings.ToLower(up)
	}
	s := first + exported(ws[1:])
	if token.IsKeyword(s) || predeclared[s] {
		s += "Value"
	}
	return s
}

// camel spells words in camelCase, as JSON and the API do: "customer_id" is customerId.
func camel(ws []string) string {
	var b strings.Builder
	for i, w := range ws {
		if i == 0 {
			b.WriteString(w)
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// plural is the English plural of a lower-case word, by the common rules; a name the
// rules get wrong is given with --plural.
func plural(w string) string {
	switch {
	case strings.HasSuffix(w, "s"), strings.HasSuffix(w, "x"), strings.HasSuffix(w, "z"),
		strings.HasSuffix(w, "ch"), strings.HasSuffix(w, "sh"):
		return w + "es"
	case strings.HasSuffix(w, "y") && len(w) > 1 && !strings.ContainsRune("aeiou", rune(w[len(w)-2])):
		return w[:len(w)-1] + "ies"
	}
	return w + "s"
}

// predeclared are Go's predeclared identifiers: a package or local named like one
// would shadow it.
var predeclared = map[string]bool{
	"any": true, "append": true, "bool": true, "byte": true, "cap": true, "clear": true, "close": true,
	"comparable": true, "complex": true, "complex128": true, "complex64": true, "copy": true, "delete": true,
	"error": true, "false": true, "float32": true, "float64": true, "imag": true, "int": true, "int16": true,
	"int32": true, "int64": true, "int8": true, "iota": true, "len": true, "make": true, "max": true, "min": true,
	"new": true, "nil": true, "panic": true, "print": true, "println": true, "real": true, "recover": true,
	"rune": true, "string": true, "true": true, "uint": true, "uint16": true, "uint32": true, "uint64": true,
	"uint8": true, "uintptr": true,
}

// sqlReserved are PostgreSQL's reserved key words: a column named like one is quoted.
var sqlReserved = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`all analyse analyze and any array as asc asymmetric authorization binary both
		case cast check collate collation column concurrently constraint create cross current_catalog current_date
		current_role current_schema current_time current_timestamp current_user default deferrable desc distinct do
		else end except false fetch for foreign freeze from full grant group having ilike in initially inner intersect
		into is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null offset on
		only or order outer overlaps placing primary references returning right select session_user similar some
		symmetric system_user table tablesample then to trailing true union unique user using variadic verbose when
		where window with`) {
		sqlReserved[w] = true
	}
}

// sqlIdent spells a column name for hand-written SQL, quoted when it is a reserved word.
func sqlIdent(name string) string {
	if sqlReserved[name] {
		return `"` + name + `"`
	}
	return name
}
