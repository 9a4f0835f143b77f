package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"go.uber.org/fx"

	"github.com/keelhq/keel/cmd/internal/boot"
	"github.com/keelhq/keel/migrations"
	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/database"
)

type deps struct {
	fx.In
	DB *database.DB
}

func run(cmd string, args []string) int {
	switch cmd {
	case "up":
		return boot.Command(config.ProcessMigrate, up, boot.Database)
	case "down":
		return boot.Command(config.ProcessMigrate, down, boot.Database)
	case "status":
		return boot.Command(config.ProcessMigrate, status, boot.Database)
	case "create":
		if len(args) != 1 {
			fmt.Fprintln(os.Stderr, usage)
			return 2
		}
		if err := create("migrations", args[0], time.Now().UTC()); err != nil {
			fmt.Fprintf(os.Stderr, "migrate create: %v\n", err)
			return 1
		}
		return 0
	}
	fmt.Fprintln(os.Stderr, usage)
	return 2
}

func up(ctx context.Context, d deps) error {
	group, err := migrations.Up(ctx, d.DB.Bun)
	if err != nil {
		return err
	}
	if group.IsZero() {
		fmt.Println("nothing to apply: the database is up to date")
		return nil
	}
	fmt.Printf("applied group %d: %s\n", group.ID, group.Migrations)
	return nil
}

func down(ctx context.Context, d deps) error {
	m := migrations.NewMigrator(d.DB.Bun)
	if err := m.Init(ctx); err != nil {
		return err
	}
	if err := m.Lock(ctx); err != nil {
		return err
	}
	defer func() { _ = m.Unlock(context.WithoutCancel(ctx)) }()
	group, err := m.Rollback(ctx)
	if err != nil {
		return fmt.Errorf("migrate down: %w", err)
	}
	if group.IsZero() {
		fmt.Println("nothing to roll back")
		return nil
	}
	fmt.Printf("rolled back group %d: %s\n", group.ID, group.Migrations)
	return nil
}

func status(ctx context.Context, d deps) error {
	m := migrations.NewMigrator(d.DB.Bun)
	if err := m.Init(ctx); err != nil {
		return err
	}
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return err
	}
	for _, mig := range ms {
		state := "pending"
		if mig.IsApplied() {
			state = fmt.Sprintf("applied (group %d, %s)", mig.GroupID, mig.MigratedAt.UTC().Format(time.RFC3339))
		}
		fmt.Printf("%-40s %s\n", mig.String(), state)
	}
	fmt.Printf("%d applied, %d pending\n", len(ms.Applied()), len(ms.Unapplied()))
	return nil
}

var migrationName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// create writes an empty, transactional up/down pair named after the current UTC time.
func create(dir, name string, now time.Time) error {
	if !migrationName.MatchString(name) {
		return errors.New("NAME must be lower-case letters, digits and underscores, starting with a letter")
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("no %s directory here: run it from the repository root", dir)
	}
	base := filepath.Join(dir, now.Format("20060102150405")+"_"+name)
	for _, suffix := range []string{".up.sql", ".down.sql"} {
		f, err := os.OpenFile(base+suffix, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		fmt.Fprintf(f, "-- %s%s\n", name, suffix)
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Println(base + suffix)
	}
	return nil
}
