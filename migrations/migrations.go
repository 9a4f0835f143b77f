// Package migrations holds Keel's schema changes, embedded in every binary and run only by
// the migrate command (never on API start-up). SQL files follow bun/migrate naming
// (20261121000000_name.up.sql / .down.sql); Go migrations register themselves in init.
package migrations

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

//go:embed *.sql
var sqlFiles embed.FS

// registry holds every migration: the embedded SQL files and the Go migrations that
// register themselves from files named like a migration (bun derives the name from them).
var registry = migrate.NewMigrations()

func init() {
	if err := registry.Discover(sqlFiles); err != nil {
		panic(fmt.Sprintf("migrations: %v", err))
	}
}

// fingerprintParts are folded into Fingerprint besides the SQL files, so a change of a
// Go migration (such as River's pinned schema version) also changes the fingerprint.
var fingerprintParts []string

// NewMigrator returns a bun migrator over db with Keel's table names.
func NewMigrator(db *bun.DB) *migrate.Migrator {
	return migrate.NewMigrator(db, registry,
		migrate.WithTableName("keel_migrations"),
		migrate.WithLocksTableName("keel_migration_locks"),
		migrate.WithMarkAppliedOnSuccess(true),
	)
}

// Up applies every pending migration under the migration lock and returns the applied group.
func Up(ctx context.Context, db *bun.DB) (*migrate.MigrationGroup, error) {
	m := NewMigrator(db)
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("init migration tables: %w", err)
	}
	if err := m.Lock(ctx); err != nil {
		return nil, fmt.Errorf("lock migrations: %w", err)
	}
	defer func() { _ = m.Unlock(context.WithoutCancel(ctx)) }()
	group, err := m.Migrate(ctx)
	if err != nil {
		return group, fmt.Errorf("migrate up: %w", err)
	}
	return group, nil
}

// Fingerprint is a stable hash of every migration's source: test harnesses key their
// migrated template databases by it, so a changed migration builds a fresh template.
func Fingerprint() string {
	h := sha256.New()
	names, _ := fs.Glob(sqlFiles, "*.sql")
	sort.Strings(names)
	for _, name := range names {
		b, _ := sqlFiles.ReadFile(name)
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(b))
		h.Write(b)
	}
	for _, p := range fingerprintParts {
		fmt.Fprintf(h, "%s\x00", p)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
