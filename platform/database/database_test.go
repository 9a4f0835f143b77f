package database_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/keelhq/keel/platform/database"
	"github.com/keelhq/keel/platform/testkit/pgtest"
)

func TestParseOptions(t *testing.T) {
	t.Parallel()
	pc, err := database.ParseOptions(database.Options{URL: "postgres://u:p@h:5433/db?sslmode=disable"})
	if err != nil {
		t.Fatal(err)
	}
	if pc.MaxConns != 10 || pc.MinConns != 0 || pc.ConnConfig.ConnectTimeout != 5*time.Second {
		t.Errorf("defaults: max %d min %d connect %s", pc.MaxConns, pc.MinConns, pc.ConnConfig.ConnectTimeout)
	}
	if _, set := pc.ConnConfig.RuntimeParams["statement_timeout"]; set {
		t.Error("statement_timeout set without being asked")
	}
	pc, err = database.ParseOptions(database.Options{
		URL: "postgres://u@h/db", MaxConns: 3, MinConns: 1, StatementTimeout: 1500 * time.Millisecond,
		ConnectTimeout: time.Second, ApplicationName: "keel-test",
	})
	if err != nil {
		t.Fatal(err)
	}
	if pc.MaxConns != 3 || pc.MinConns != 1 || pc.ConnConfig.ConnectTimeout != time.Second {
		t.Errorf("overrides: max %d min %d connect %s", pc.MaxConns, pc.MinConns, pc.ConnConfig.ConnectTimeout)
	}
	if rp := pc.ConnConfig.RuntimeParams; rp["statement_timeout"] != "1500" || rp["application_name"] != "keel-test" {
		t.Errorf("runtime params %v", rp)
	}
}

// bun writes arguments into the SQL text, so the pool must not prepare every text it sees:
// queries go unprepared in one round trip unless another mode is asked for.
func TestParseOptionsExecMode(t *testing.T) {
	t.Parallel()
	pc, err := database.ParseOptions(database.Options{URL: "postgres://u@h/db"})
	if err != nil {
		t.Fatal(err)
	}
	if pc.ConnConfig.DefaultQueryExecMode != pgx.QueryExecModeExec {
		t.Errorf("default mode = %v, want exec", pc.ConnConfig.DefaultQueryExecMode)
	}
	for name, mode := range database.ExecModes {
		pc, err := database.ParseOptions(database.Options{URL: "postgres://u@h/db", ExecMode: name})
		if err != nil || pc.ConnConfig.DefaultQueryExecMode != mode {
			t.Errorf("ExecMode %q: %v, %v", name, pc.ConnConfig.DefaultQueryExecMode, err)
		}
	}
	if _, err := database.ParseOptions(database.Options{URL: "postgres://u@h/db", ExecMode: "prepare"}); err == nil {
		t.Error("an unknown mode was accepted")
	}
}

func TestParseOptionsHidesMalformedURL(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"postgres://u:s3cret@[bad", "postgres://u:s3cret@h:port/db", "host=h password=s3cret port=x", "mysql://u:s3cret@h/db"} {
		_, err := database.ParseOptions(database.Options{URL: raw})
		if err == nil {
			t.Errorf("%q accepted", raw)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%q: error reveals the password: %v", raw, err)
		}
	}
}

func TestOpenPingAndUnreachable(t *testing.T) {
	t.Parallel()
	db := pgtest.Open(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	var n int
	if err := db.Bun.NewRaw("SELECT 1").Scan(ctx, &n); err != nil || n != 1 {
		t.Fatalf("bun over the pool: %d %v", n, err)
	}

	// A port nobody listens on: Open succeeds (lazy), Ping fails fast and is "unavailable".
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	down, err := database.Open(database.Options{URL: fmt.Sprintf("postgres://u@%s/db?sslmode=disable", addr), ConnectTimeout: time.Second})
	if err != nil {
		t.Fatalf("Open must not dial: %v", err)
	}
	defer down.Close()
	start := time.Now()
	err = down.Ping(ctx)
	if err == nil {
		t.Fatal("Ping of a closed port succeeded")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Ping took %s", took)
	}
	if !database.IsUnavailable(err) {
		t.Errorf("IsUnavailable(%v) = false", err)
	}
	_, err = down.SQL.ExecContext(ctx, "SELECT 1")
	if !database.IsUnavailable(err) {
		t.Errorf("through database/sql: IsUnavailable(%v) = false", err)
	}
}

func TestIsUnavailable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain", errors.New("boom"), false},
		{"connect error", &pgconn.ConnectError{}, true},
		{"wrapped connect error", fmt.Errorf("find user: %w", &pgconn.ConnectError{}), true},
		{"connection exception", &pgconn.PgError{Code: "08006"}, true},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, true},
		{"crash shutdown", &pgconn.PgError{Code: "57P02"}, true},
		{"cannot connect now", &pgconn.PgError{Code: "57P03"}, true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"statement timeout", &pgconn.PgError{Code: "57014"}, true},
		{"wrapped statement timeout", fmt.Errorf("list users: %w", &pgconn.PgError{Code: "57014"}), true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"unexpected EOF", fmt.Errorf("failed to receive message: %w", io.ErrUnexpectedEOF), true},
		{"connection reset", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, true},
		{"bare reset", fmt.Errorf("write: %w", syscall.ECONNRESET), true},
		{"broken pipe", fmt.Errorf("write: %w", syscall.EPIPE), true},
		{"conn closed", fmt.Errorf("query: %w", pgconn.ErrConnClosed), true},
		{"bad conn", driver.ErrBadConn, true},
		{"conn done", sql.ErrConnDone, true},
		{"deadline", fmt.Errorf("find user: %w", context.DeadlineExceeded), true},
		{"not null violation", &pgconn.PgError{Code: "23502"}, false},
		{"invalid byte sequence", &pgconn.PgError{Code: "22021"}, false},
		{"syntax error", &pgconn.PgError{Code: "42601"}, false},
		{"net op error", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true},
	}
	for _, tt := range tests {
		if got := database.IsUnavailable(tt.err); got != tt.want {
			t.Errorf("%s: IsUnavailable = %v, want %v", tt.name, got, tt.want)
		}
	}
}
