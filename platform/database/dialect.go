package database

import (
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/schema"
)

// dialect is bun's PostgreSQL dialect with JSON written as the plain string literal it
// is. bun's own AppendJSON rewrites every backslash followed by "u0000" into `\\u0000`:
// a real NUL escape silently becomes other text, and an escaped backslash followed by
// "u0000" (text such as `C:\u0000`) becomes an escape PostgreSQL refuses, so the whole
// statement failed. A NUL itself stays what jsonb cannot store: PostgreSQL refuses it.
type dialect struct {
	*pgdialect.Dialect
}

var _ schema.Dialect = dialect{}

// newDialect returns the dialect every bun handle of Keel uses.
func newDialect() dialect { return dialect{Dialect: pgdialect.New()} }

// AppendJSON appends jsonb, a JSON text, as a string literal; PostgreSQL reads it as
// jsonb where the column or cast says so.
func (d dialect) AppendJSON(b, jsonb []byte) []byte {
	return d.AppendString(b, string(jsonb))
}
