package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/keelhq/keel/migrations"
	"github.com/keelhq/keel/platform/database"
)

// templatePrefix starts the name of every template database; the fingerprint follows.
const templatePrefix = "keel_tpl_"

// buildingSuffix marks a template still being migrated. Only the holder of the advisory
// lock ever builds, so one found while holding the lock was left by a crash.
const buildingSuffix = "_building"

// templateLockKey is the advisory lock serialising template work across processes.
// Advisory locks are per database, so every process takes it in the base URL's database.
const templateLockKey int64 = 0x6b65656c_74706c // "keeltpl"

// templateComment is the prefix of the comment recording a template's last use.
const templateComment = "keel test template; last used "

// Stale thresholds: a template unused this long (under another fingerprint) or a test
// database this old (its process was killed before its cleanup ran) is dropped.
const (
	staleTemplateAge = time.Hour
	staleTestDBAge   = 6 * time.Hour
)

// ensureTemplate returns the name of the migrated template for the current migrations,
// building it if no process has yet, and drops what earlier runs left behind.
func ensureTemplate(ctx context.Context, base *url.URL) (string, error) {
	tpl := templatePrefix + migrations.Fingerprint()
	// A dedicated connection: the session-level lock dies with it, even on a crash.
	conn, err := pgx.Connect(ctx, base.String())
	if err != nil {
		return "", fmt.Errorf("connect to shared server: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLockKey); err != nil {
		return "", fmt.Errorf("take template lock: %w", err)
	}
	var exists bool
	err = conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", tpl).Scan(&exists)
	if err != nil {
		return "", fmt.Errorf("look up template: %w", err)
	}
	if !exists {
		if err := buildTemplate(ctx, conn, base, tpl); err != nil {
			return "", err
		}
	}
	comment := fmt.Sprintf("COMMENT ON DATABASE %s IS '%s%d'", quoteIdent(tpl), templateComment, time.Now().Unix())
	if _, err := conn.Exec(ctx, comment); err != nil {
		return "", fmt.Errorf("mark template used: %w", err)
	}
	if err := dropStale(ctx, conn, tpl); err != nil {
		return "", err
	}
	return tpl, nil
}

// buildTemplate migrates a fresh database under a temporary name and renames it to tpl
// once complete, marked as a template nobody may connect to (so cloning never waits).
func buildTemplate(ctx context.Context, conn *pgx.Conn, base *url.URL, tpl string) error {
	tmp := tpl + buildingSuffix
	dropQuietly(ctx, conn, tmp) // a crashed build's leftover; CREATE reports if it stayed
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+quoteIdent(tmp)+" TEMPLATE template0"); err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	if err := migrate(ctx, withDatabase(base, tmp)); err != nil {
		return fmt.Errorf("migrate template %s: %w", tmp, err)
	}
	stmts := []string{
		"ALTER DATABASE " + quoteIdent(tmp) + " WITH ALLOW_CONNECTIONS false IS_TEMPLATE true",
		"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + tmp + "'",
	}
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("seal template: %w", err)
		}
	}
	rename := "ALTER DATABASE " + quoteIdent(tmp) + " RENAME TO " + quoteIdent(tpl)
	return retryInUse(ctx, func() error {
		_, err := conn.Exec(ctx, rename)
		return err
	})
}

// migrate applies every migration to the database at dbURL.
func migrate(ctx context.Context, dbURL string) error {
	db, err := database.Open(database.Options{URL: dbURL, MaxConns: 2, ApplicationName: "pgtest-migrate"})
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = migrations.Up(ctx, db.Bun)
	return err
}

// dropStale drops templates of other fingerprints unused for staleTemplateAge, leftovers
// of interrupted builds and test databases older than staleTestDBAge. The caller holds
// the template lock. Failures are ignored: another process may be dropping the same.
func dropStale(ctx context.Context, conn *pgx.Conn, keep string) error {
	rows, err := conn.Query(ctx, `
		SELECT d.datname, coalesce(shobj_description(d.oid, 'pg_database'), '')
		FROM pg_database d
		WHERE d.datname LIKE 'keel\_tpl\_%' OR d.datname LIKE 'keel\_test\_%'`)
	if err != nil {
		return fmt.Errorf("list stale databases: %w", err)
	}
	names, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
		var v [2]string
		return v, r.Scan(&v[0], &v[1])
	})
	if err != nil {
		return fmt.Errorf("list stale databases: %w", err)
	}
	now := time.Now()
	for _, n := range names {
		if n[0] != keep && isStale(n[0], n[1], now) {
			dropQuietly(ctx, conn, n[0])
		}
	}
	return nil
}

// isStale decides from a database's name and comment whether earlier runs abandoned it.
func isStale(name, comment string, now time.Time) bool {
	switch {
	case strings.HasPrefix(name, templatePrefix) && strings.HasSuffix(name, buildingSuffix):
		return true // the lock holder is the only builder: this one was interrupted
	case strings.HasPrefix(name, templatePrefix) && comment == "":
		return true // every user comments it under the lock we hold: abandoned mid-build
	case strings.HasPrefix(name, templatePrefix):
		used, ok := unixAfter(comment, templateComment)
		return ok && now.Sub(used) > staleTemplateAge
	case strings.HasPrefix(name, testDBPrefix):
		created, ok := unixAfter(name, testDBPrefix)
		return ok && now.Sub(created) > staleTestDBAge
	}
	return false
}

// unixAfter parses the Unix time that follows prefix in s (up to an underscore).
func unixAfter(s, prefix string) (time.Time, bool) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return time.Time{}, false
	}
	digits, _, _ := strings.Cut(rest, "_")
	sec, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(sec, 0), true
}

// dropQuietly drops a database, clearing its template flag first; errors are ignored.
func dropQuietly(ctx context.Context, conn *pgx.Conn, name string) {
	_, _ = conn.Exec(ctx, "ALTER DATABASE "+quoteIdent(name)+" WITH IS_TEMPLATE false")
	_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(name)+" WITH (FORCE)")
}
