package migrations_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/keelhq/keel/migrations"
	"github.com/keelhq/keel/platform/database"
	"github.com/keelhq/keel/platform/testkit/pgtest"
)

// emptyDatabase creates a brand-new, unmigrated database on the shared server (named like
// pgtest's, so a leak is recognised as stale and dropped later) and drops it afterwards.
func emptyDatabase(t *testing.T) *database.DB {
	t.Helper()
	base, err := url.Parse(pgtest.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := fmt.Sprintf("keel_test_%d_%s_migrations", time.Now().Unix(), hex.EncodeToString(b[:]))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, base.String())
	if err != nil {
		t.Fatalf("shared server: %v", err)
	}
	defer admin.Close(context.Background())
	if _, err := admin.Exec(ctx, `CREATE DATABASE "`+name+`" TEMPLATE template0`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := pgx.Connect(ctx, base.String())
		if err != nil {
			t.Errorf("drop %s: %v", name, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(ctx, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	u := *base
	u.Path = "/" + name
	db, err := database.Open(database.Options{URL: u.String(), ApplicationName: "migrations-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// schema describes every object migrations may create in the public schema: tables with
// their columns, indexes, types and functions, one line each, sorted.
func schema(t *testing.T, ctx context.Context, db *database.DB) []string {
	t.Helper()
	const q = `
SELECT 'table ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
  FROM information_schema.columns WHERE table_schema = 'public'
UNION ALL
SELECT 'index ' || indexname || ': ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
UNION ALL
SELECT 'type ' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
  WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'c') AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.reltype = t.oid)
UNION ALL
SELECT 'function ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
UNION ALL
SELECT 'sequence ' || sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public'`
	rows, err := db.Pool.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// tables lists the public tables, without bun's own bookkeeping.
func tables(t *testing.T, ctx context.Context, db *database.DB) []string {
	t.Helper()
	rows, err := db.Pool.Query(ctx, `SELECT table_name::text FROM information_schema.tables
		WHERE table_schema = 'public' AND table_name NOT IN ('keel_migrations', 'keel_migration_locks') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestUpDownUp(t *testing.T) {
	t.Parallel()
	db := emptyDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	if got := tables(t, ctx, db); len(got) != 0 {
		t.Fatalf("new database not empty: %v", got)
	}
	before := schema(t, ctx, db)

	start := time.Now()
	group, err := migrations.Up(ctx, db.Bun)
	if err != nil {
		t.Fatalf("Up on an empty database: %v", err)
	}
	t.Logf("Up on an empty database: %s, group %d, %d migrations", time.Since(start), group.ID, len(group.Migrations))
	status, err := migrations.NewMigrator(db.Bun).MigrationsWithStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if group.IsZero() || len(group.Migrations) != len(status) || len(status.Unapplied()) != 0 {
		t.Fatalf("first Up applied %d of %d migrations (%d pending)", len(group.Migrations), len(status), len(status.Unapplied()))
	}
	got := tables(t, ctx, db)
	for _, want := range []string{
		"users", "credentials", "sessions", "refresh_tokens", "one_time_tokens", "audit_logs", "outbox_events",
		"river_job", "river_leader", "river_queue", "river_migration",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("table %s missing after Up; have %v", want, got)
		}
	}
	var riverVersion int
	if err := db.Pool.QueryRow(ctx, "SELECT max(version) FROM river_migration").Scan(&riverVersion); err != nil {
		t.Fatal(err)
	}
	if riverVersion < 6 {
		t.Errorf("River schema at version %d", riverVersion)
	}
	migrated := schema(t, ctx, db)

	// Up again is a no-op.
	again, err := migrations.Up(ctx, db.Bun)
	if err != nil || !again.IsZero() {
		t.Fatalf("second Up: group %+v, %v; want nothing applied", again, err)
	}
	if s := schema(t, ctx, db); !slices.Equal(s, migrated) {
		t.Fatalf("second Up changed the schema:\n%s", diff(migrated, s))
	}

	// Rolling back the group undoes everything: the down migrations are complete.
	m := migrations.NewMigrator(db.Bun)
	if err := m.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	rolled, err := m.Rollback(ctx)
	if uerr := m.Unlock(ctx); uerr != nil {
		t.Fatal(uerr)
	}
	if err != nil {
		t.Fatalf("Rollback: %v", err)
	}
	if len(rolled.Migrations) != len(status) {
		t.Errorf("rolled back %d of %d migrations", len(rolled.Migrations), len(status))
	}
	if left := tables(t, ctx, db); len(left) != 0 {
		t.Errorf("tables left after rolling everything back: %v", left)
	}
	after := schema(t, ctx, db)
	var leftovers []string
	for _, line := range after {
		if !slices.Contains(before, line) && !strings.Contains(line, "keel_migration") {
			leftovers = append(leftovers, line)
		}
	}
	if len(leftovers) != 0 {
		t.Errorf("objects left after rolling everything back:\n%s", strings.Join(leftovers, "\n"))
	}
	applied, err := m.AppliedMigrations(ctx)
	if err != nil || len(applied) != 0 {
		t.Errorf("applied after rollback: %v, %v", applied, err)
	}

	// And Up works again, to the very same schema.
	third, err := migrations.Up(ctx, db.Bun)
	if err != nil || len(third.Migrations) != len(status) {
		t.Fatalf("Up after rollback: %+v, %v", third, err)
	}
	if s := schema(t, ctx, db); !slices.Equal(s, migrated) {
		t.Fatalf("schema after down and up differs:\n%s", diff(migrated, s))
	}
}

// Two Up calls racing on an empty database: the lock makes one apply and the other wait
// or refuse, never both apply.
func TestConcurrentUp(t *testing.T) {
	t.Parallel()
	db := emptyDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := migrations.NewMigrator(db.Bun).Init(ctx); err != nil {
		t.Fatal(err)
	}
	type result struct {
		n   int
		err error
	}
	results := make(chan result, 2)
	for range 2 {
		go func() {
			g, err := migrations.Up(ctx, db.Bun)
			n := 0
			if g != nil {
				n = len(g.Migrations)
			}
			results <- result{n, err}
		}()
	}
	var applied, failed int
	for range 2 {
		r := <-results
		switch {
		case r.err != nil:
			failed++
		case r.n > 0:
			applied++
		}
	}
	if applied != 1 {
		t.Fatalf("%d concurrent Ups applied migrations (%d failed), want exactly 1", applied, failed)
	}
	status, err := migrations.NewMigrator(db.Bun).MigrationsWithStatus(ctx)
	if err != nil || len(status.Unapplied()) != 0 {
		t.Fatalf("pending after concurrent Up: %v, %v", status.Unapplied(), err)
	}
}

func diff(want, got []string) string {
	var b strings.Builder
	for _, l := range want {
		if !slices.Contains(got, l) {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range got {
		if !slices.Contains(want, l) {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}
