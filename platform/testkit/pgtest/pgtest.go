// Package pgtest gives tests real PostgreSQL databases: URL and Open hand each caller a
// brand-new database cloned from a migrated template on the shared server, and StartServer
// runs a private throwaway server for tests that must stop and start PostgreSQL.
//
// The template is named after migrations.Fingerprint and built once per machine: the first
// test process to need it builds it under an advisory lock, under a temporary name renamed
// only when complete, so parallel test packages never race and a crash never leaves a
// half-migrated template behind. Every later process only clones it.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/keelhq/keel/platform/database"
)

// EnvURL names the environment variable holding the shared server's URL.
const EnvURL = "KEEL_TEST_DATABASE_URL"

// DefaultURL is the shared server used when EnvURL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// testDBPrefix starts the name of every database URL creates; the creation time follows,
// so databases leaked by a killed test process can be recognised and dropped later.
const testDBPrefix = "keel_test_"

// shared is the per-process state: the admin pool on the shared server and the template,
// prepared once on first use.
var shared struct {
	once sync.Once
	pool *pgxpool.Pool
	base *url.URL
	tpl  string
	err  error
}

// BaseURL returns the shared server's URL: EnvURL, or DefaultURL when unset.
func BaseURL() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return DefaultURL
}

// URL creates a brand-new, fully migrated database on the shared server and returns its
// connection URL. The database is dropped (WITH FORCE) when the test and its subtests end.
// Each call gives a new database, so parallel tests never share state.
func URL(t testing.TB) string {
	t.Helper()
	shared.once.Do(prepare)
	if shared.err != nil {
		t.Fatalf("pgtest: %v", shared.err)
	}
	name := newDBName(t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := cloneTemplate(ctx, shared.pool, shared.tpl, name); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := dropDatabase(ctx, shared.pool, name); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return withDatabase(shared.base, name)
}

// Open returns an open handle on a brand-new database from URL, closed when the test ends
// (before the database is dropped).
func Open(t testing.TB) *database.DB {
	t.Helper()
	db, err := database.Open(database.Options{URL: URL(t), ApplicationName: "pgtest"})
	if err != nil {
		t.Fatalf("pgtest: open: %v", err)
	}
	t.Cleanup(db.Close)
	return db
}

// prepare connects to the shared server and makes sure the template exists. It runs once
// per process; its outcome is kept in shared.
func prepare() {
	base, err := url.Parse(BaseURL())
	if err != nil || (base.Scheme != "postgres" && base.Scheme != "postgresql") {
		shared.err = fmt.Errorf("%s must be a postgres:// URL", EnvURL)
		return
	}
	cfg, err := pgxpool.ParseConfig(base.String())
	if err != nil {
		shared.err = fmt.Errorf("parse %s: %w", EnvURL, err)
		return
	}
	cfg.MaxConns = 4
	cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	cfg.ConnConfig.RuntimeParams["application_name"] = "pgtest-admin"
	// The pool lives as long as the process: no test's cleanup may close it.
	shared.pool, err = pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		shared.err = fmt.Errorf("connect to shared server: %w", err)
		return
	}
	shared.base = base
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	shared.tpl, shared.err = ensureTemplate(ctx, base)
}

// cloneTemplate creates name from the template, retrying while the template is briefly
// in use by another session (PostgreSQL refuses to copy a database others are connected to).
func cloneTemplate(ctx context.Context, pool *pgxpool.Pool, tpl, name string) error {
	sql := fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", quoteIdent(name), quoteIdent(tpl))
	return retryInUse(ctx, func() error {
		_, err := pool.Exec(ctx, sql)
		return err
	})
}

// dropDatabase drops name, closing any connections still open on it.
func dropDatabase(ctx context.Context, pool *pgxpool.Pool, name string) error {
	if _, err := pool.Exec(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// inUseRetryFor bounds how long retryInUse keeps retrying.
const inUseRetryFor = 10 * time.Second

// retryInUse runs op until it succeeds or fails with another error, retrying "database
// is being accessed by other users" (SQLSTATE 55006) with a short backoff for at most
// inUseRetryFor.
func retryInUse(ctx context.Context, op func() error) error {
	ctx, cancel := context.WithTimeout(ctx, inUseRetryFor)
	defer cancel()
	backoff := 10 * time.Millisecond
	for {
		err := op()
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != "55006" {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (still in use after retrying for %s)", err, inUseRetryFor)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 200*time.Millisecond)
	}
}

// newDBName returns a unique database name carrying the creation time and a readable
// part of the test name, within PostgreSQL's 63-byte identifier limit.
func newDBName(testName string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := fmt.Sprintf("%s%d_%s_%s", testDBPrefix, time.Now().Unix(), hex.EncodeToString(b[:]), sanitize(testName))
	if len(name) > 63 {
		name = name[:63]
	}
	return strings.TrimRight(name, "_")
}

// sanitize keeps lower-case letters, digits and underscores.
func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// withDatabase returns base with its database (the URL path) replaced by name.
func withDatabase(base *url.URL, name string) string {
	u := *base
	u.Path = "/" + name
	u.RawPath = ""
	return u.String()
}

// quoteIdent quotes a PostgreSQL identifier.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
