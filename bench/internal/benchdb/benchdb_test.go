package benchdb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/keelhq/keel/bench/internal/benchdb"
	"github.com/keelhq/keel/platform/testkit/pgtest"
)

// Create gives an empty database reachable at the URL it returns, even when one of that
// name existed (with a connection open on it); Drop removes it.
func TestCreateRecreatesAndDropRemoves(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin := pgtest.BaseURL()
	name := fmt.Sprintf("keel_benchdb-%d", time.Now().UnixNano()) // a name that needs quoting
	t.Cleanup(func() { benchdb.Drop(admin, name) })

	dbURL, err := benchdb.Create(ctx, admin, name)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect to the created database: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE TABLE left_over (id int)"); err != nil {
		t.Fatal(err)
	}

	if _, err := benchdb.Create(ctx, admin, name); err != nil {
		t.Fatalf("Create over an existing database in use: %v", err)
	}
	again, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close(ctx)
	var tables int
	if err := again.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = 'left_over'").Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Fatal("the recreated database still holds the old one's table")
	}
	_ = again.Close(ctx)

	benchdb.Drop(admin, name)
	check, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close(ctx)
	var exists bool
	if err := check.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Fatalf("database %s still exists after Drop", name)
	}
}
