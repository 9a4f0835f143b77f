package database_test

import (
	"strings"
	"testing"

	"github.com/keelhq/keel/platform/database"
)

func TestStatementHidesEveryValue(t *testing.T) {
	tests := []struct{ in, want string }{
		{`SELECT "u"."id" FROM "users" AS "u" WHERE (u.email = 'ada@example.com') LIMIT 1`,
			`SELECT "u"."id" FROM "users" AS "u" WHERE (u.email = ?) LIMIT ?`},
		{`UPDATE credentials SET password_hash = '$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA' WHERE user_id = '0190-ab'`,
			`UPDATE credentials SET password_hash = ? WHERE user_id = ?`},
		{`INSERT INTO t (a, b, c) VALUES ('it''s', E'a\'b\\', 3.5e-2), (-7, .5, 0x1F)`,
			`INSERT INTO t (a, b, c) VALUES (?, ?, ?), (-?, ?, ?)`},
		{`SELECT $1::text, $2, $body$secret ' text$body$, $$x$$`, `SELECT $1::text, $2, ?, ?`},
		{`SELECT col1, t2.c_3 FROM t2 WHERE "odd""name" = B'0101' OR x = X'ff'`,
			`SELECT col1, t2.c_3 FROM t2 WHERE "odd""name" = ? OR x = ?`},
		{"SELECT 1 -- it's 42\nFROM x /* don't 7 */ WHERE y IN ('a', 'b')",
			"SELECT ? -- it's 42\nFROM x /* don't 7 */ WHERE y IN (?, ?)"},
		{`SELECT '{"token":"abc"}'::jsonb, '{1,2}'::int[]`, `SELECT ?::jsonb, ?::int[]`},
		{`SELECT 'unterminated secret`, `SELECT ?`},
		{`SELECT pg_advisory_xact_lock(117939465773057)`, `SELECT pg_advisory_xact_lock(?)`},
	}
	for _, tt := range tests {
		if got := database.Statement(tt.in); got != tt.want {
			t.Errorf("Statement(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestStatementIsBounded(t *testing.T) {
	q := "SELECT * FROM t WHERE id IN (" + strings.Repeat("'x', ", 2000) + "'y')"
	got := database.Statement(q)
	if len(got) != 2048+3 || !strings.HasSuffix(got, "...") || strings.Contains(got, "x") {
		t.Fatalf("len %d, tail %q", len(got), got[len(got)-10:])
	}
}

func TestOperation(t *testing.T) {
	for in, want := range map[string]string{
		"select 1":                "SELECT",
		"  (SELECT 1) UNION ALL":  "SELECT",
		"WITH x AS (...) SELECT":  "WITH",
		"insert into t values ()": "INSERT",
		"":                        "SQL",
		"-- name: JobInsertFastMany :many\nWITH raw AS (": "WITH",
		"/* a */ -- b\n  select 1":                        "SELECT",
		"-- only a comment":                               "SQL",
	} {
		if got := database.Operation(in); got != want {
			t.Errorf("Operation(%q) = %q, want %q", in, got, want)
		}
	}
}
