package database

import (
	"strings"
)

// maxStatement bounds the statement text a span carries, in bytes.
const maxStatement = 2048

// Statement returns query with every literal value replaced by "?": string constants
// ('...', E'...', $tag$...$tag$, with their escapes), bit and hex strings (B'...',
// X'...') and numbers. Identifiers, quoted identifiers, keywords, $n placeholders and
// comments stay. bun writes arguments into the SQL text, so this is what keeps values (a
// password hash, a token digest, an e-mail address) out of a span: the result describes
// the statement's shape only. Text past maxStatement bytes is cut, ending in "...".
func Statement(query string) string {
	var b strings.Builder
	b.Grow(min(len(query), maxStatement+3))
	for i := 0; i < len(query) && b.Len() < maxStatement; {
		c := query[i]
		switch {
		case c == '\'':
			i = skipQuoted(query, i, false)
			b.WriteByte('?')
		case (c == 'E' || c == 'e' || c == 'B' || c == 'b' || c == 'X' || c == 'x') &&
			i+1 < len(query) && query[i+1] == '\'' && !identByteBefore(query, i):
			i = skipQuoted(query, i+1, c == 'E' || c == 'e')
			b.WriteByte('?')
		case c == '"':
			j := skipQuotedIdent(query, i)
			b.WriteString(query[i:j])
			i = j
		case c == '$':
			j, literal := dollar(query, i)
			if literal {
				b.WriteByte('?')
			} else {
				b.WriteString(query[i:j])
			}
			i = j
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				j = len(query) - i
			}
			b.WriteString(query[i : i+j])
			i += j
		case c == '/' && i+1 < len(query) && query[i+1] == '*':
			j := strings.Index(query[i+2:], "*/")
			j = min(len(query), i+2+j+2)
			if j < i+4 {
				j = len(query) // unterminated
			}
			b.WriteString(query[i:j])
			i = j
		case isDigit(c) && !identByteBefore(query, i),
			c == '.' && i+1 < len(query) && isDigit(query[i+1]) && !identByteBefore(query, i):
			i = skipNumber(query, i)
			b.WriteByte('?')
		case isIdentByte(c):
			j := i
			for j < len(query) && (isIdentByte(query[j]) || isDigit(query[j])) {
				j++
			}
			b.WriteString(query[i:j])
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	if b.Len() >= maxStatement {
		return b.String()[:maxStatement] + "..."
	}
	return b.String()
}

// Operation returns the statement's first keyword in upper case ("SELECT", "INSERT",
// "WITH", ...), past any leading comment, the name of its span; "SQL" when it has none.
func Operation(statement string) string {
	s := strings.TrimLeft(statement, " \t\r\n(")
	for {
		if rest, ok := strings.CutPrefix(s, "--"); ok {
			_, s, _ = strings.Cut(rest, "\n")
		} else if rest, ok := strings.CutPrefix(s, "/*"); ok {
			_, s, _ = strings.Cut(rest, "*/")
		} else {
			break
		}
		s = strings.TrimLeft(s, " \t\r\n(")
	}
	end := 0
	for end < len(s) && isIdentByte(s[end]) {
		end++
	}
	if end == 0 {
		return "SQL"
	}
	return strings.ToUpper(s[:end])
}

// skipQuoted returns the index after the string constant opening at q[i] ('), with a doubled
// quote as an escaped one and, when backslash is set (E'...'), \ escaping the next byte.
func skipQuoted(q string, i int, backslash bool) int {
	for j := i + 1; j < len(q); j++ {
		switch {
		case backslash && q[j] == '\\':
			j++
		case q[j] == '\'':
			if j+1 < len(q) && q[j+1] == '\'' {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(q)
}

// skipQuotedIdent returns the index after the quoted identifier opening at q[i] (").
func skipQuotedIdent(q string, i int) int {
	for j := i + 1; j < len(q); j++ {
		if q[j] == '"' {
			if j+1 < len(q) && q[j+1] == '"' {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(q)
}

// dollar reads what starts with $ at q[i]: a placeholder $n (kept), or a dollar-quoted
// string $tag$...$tag$ (a literal), returning the index after it.
func dollar(q string, i int) (end int, literal bool) {
	j := i + 1
	if j < len(q) && isDigit(q[j]) {
		for j < len(q) && isDigit(q[j]) {
			j++
		}
		return j, false
	}
	for j < len(q) && (isIdentByte(q[j]) || isDigit(q[j])) {
		j++
	}
	if j >= len(q) || q[j] != '$' || identByteBefore(q, i) {
		return i + 1, false
	}
	tag := q[i : j+1]
	k := strings.Index(q[j+1:], tag)
	if k < 0 {
		return len(q), true
	}
	return j + 1 + k + len(tag), true
}

// skipNumber returns the index after the numeric constant starting at q[i].
func skipNumber(q string, i int) int {
	j := i
	for j < len(q) && (isDigit(q[j]) || q[j] == '.' || q[j] == '_' || isIdentByte(q[j]) ||
		((q[j] == '+' || q[j] == '-') && (q[j-1] == 'e' || q[j-1] == 'E'))) {
		j++
	}
	return j
}

// identByteBefore reports whether q[i] continues an identifier (t1, col_2, abc$).
func identByteBefore(q string, i int) bool {
	if i == 0 {
		return false
	}
	p := q[i-1]
	return isIdentByte(p) || isDigit(p) || p == '$'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentByte(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}
