package migrations

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/uptrace/bun"
)

// riverSchemaVersion pins River's own schema. Upgrading River to a release with newer
// schema versions means adding a new migration that moves this target, never editing it.
const riverSchemaVersion = 7

func init() {
	registry.MustRegister(riverUp, riverDown)
	fingerprintParts = append(fingerprintParts, fmt.Sprintf("river:%d", riverSchemaVersion))
}

func riverMigrator(db *bun.DB) (*rivermigrate.Migrator[*sql.Tx], error) {
	return rivermigrate.New(riverdatabasesql.New(db.DB), nil)
}

func riverUp(ctx context.Context, db *bun.DB) error {
	m, err := riverMigrator(db)
	if err != nil {
		return fmt.Errorf("river migrator: %w", err)
	}
	opts := &rivermigrate.MigrateOpts{TargetVersion: riverSchemaVersion}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, opts); err != nil {
		return fmt.Errorf("river schema up to %d: %w", riverSchemaVersion, err)
	}
	return nil
}

func riverDown(ctx context.Context, db *bun.DB) error {
	m, err := riverMigrator(db)
	if err != nil {
		return fmt.Errorf("river migrator: %w", err)
	}
	opts := &rivermigrate.MigrateOpts{TargetVersion: -1}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionDown, opts); err != nil {
		return fmt.Errorf("river schema down: %w", err)
	}
	return nil
}
