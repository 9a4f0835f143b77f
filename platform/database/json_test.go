package database_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/keelhq/keel/platform/testkit/pgtest"
)

// jsonRow has a jsonb column written through bun's model appender.
type jsonRow struct {
	ID   int            `bun:"id,pk"`
	Data map[string]any `bun:"data,type:jsonb,notnull"`
}

// TestJSONBKeepsBackslashes: text that holds a backslash followed by "u0000" (a Windows
// path, a regular expression, a user's name) is stored and read back as it was, through
// a model and through a query argument; bun's own jsonb appender rewrote it into an
// escape PostgreSQL refuses.
func TestJSONBKeepsBackslashes(t *testing.T) {
	t.Parallel()
	db := pgtest.Open(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := db.Bun.ExecContext(ctx, "CREATE TABLE json_rows (id int PRIMARY KEY, data jsonb NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{`C:\u0000dir`: `\u0000`, "quote": `it's "x" \\u0000 \n`, "list": []any{`\u0000\u0000`}}
	if _, err := db.Bun.NewInsert().Model(&jsonRow{ID: 1, Data: want}).ModelTableExpr("json_rows").Exec(ctx); err != nil {
		t.Fatalf("insert through the model: %v", err)
	}
	raw, _ := json.Marshal(want)
	if _, err := db.Bun.NewRaw("INSERT INTO json_rows (id, data) VALUES (2, ?)", json.RawMessage(raw)).Exec(ctx); err != nil {
		t.Fatalf("insert through an argument: %v", err)
	}
	for _, id := range []int{1, 2} {
		var got jsonRow
		if err := db.Bun.NewSelect().Model(&got).ModelTableExpr("json_rows AS json_row").Where("id = ?", id).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Data, want) {
			t.Errorf("row %d: read back %q, want %q", id, got.Data, want)
		}
	}
}
