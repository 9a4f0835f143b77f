// Package database opens PostgreSQL for Keel: one pgx pool, shared by bun (pgdialect)
// through the database/sql bridge and by anything that wants pgx directly (River).
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"go.opentelemetry.io/otel/trace"
)

// Options are the connection settings; zero values take safe defaults.
type Options struct {
	// URL is a PostgreSQL connection URL or DSN.
	URL string
	// MaxConns bounds the pool (default 10).
	MaxConns int32
	// MinConns keeps this many connections warm (default 0).
	MinConns int32
	// StatementTimeout is set as the session's statement_timeout (0 leaves the server's).
	StatementTimeout time.Duration
	// ConnectTimeout bounds establishing one connection (default 5s).
	ConnectTimeout time.Duration
	// ApplicationName is reported to the server in pg_stat_activity.
	ApplicationName string
	// ExecMode is how pgx sends a query (default ExecModeExec, see ExecModes).
	ExecMode string
	// Tracer, when set, records a span per statement run inside a recording span (see
	// queryTracer); nil installs no tracer at all.
	Tracer trace.Tracer
}

// Query execution modes (DATABASE_EXEC_MODE). bun writes every argument into the SQL text,
// so nearly every statement is a new text: a mode that prepares and caches statements per
// text ("cache_statement", pgx's own default) pays a Parse, a Describe and, on eviction, a
// Deallocate for almost every query. "exec" sends each query in one round trip over the
// extended protocol with an unnamed statement; "simple_protocol" uses the simple protocol.
const (
	ExecModeExec           = "exec"
	ExecModeSimpleProtocol = "simple_protocol"
	ExecModeCacheStatement = "cache_statement"
	ExecModeCacheDescribe  = "cache_describe"
	ExecModeDescribeExec   = "describe_exec"
)

// ExecModes maps each accepted DATABASE_EXEC_MODE to pgx's mode.
var ExecModes = map[string]pgx.QueryExecMode{
	ExecModeExec:           pgx.QueryExecModeExec,
	ExecModeSimpleProtocol: pgx.QueryExecModeSimpleProtocol,
	ExecModeCacheStatement: pgx.QueryExecModeCacheStatement,
	ExecModeCacheDescribe:  pgx.QueryExecModeCacheDescribe,
	ExecModeDescribeExec:   pgx.QueryExecModeDescribeExec,
}

// DB is an open database: the pgx pool and the bun handle over it. Close releases both.
type DB struct {
	Pool *pgxpool.Pool
	SQL  *sql.DB
	Bun  *bun.DB
}

// ParseOptions turns Options into a pgx pool configuration, reporting a malformed URL.
func ParseOptions(o Options) (*pgxpool.Config, error) {
	pc, err := pgxpool.ParseConfig(o.URL)
	if err != nil {
		// pgx redacts passwords from its parse errors only on a best-effort basis: say
		// nothing of the string itself so a secret can never reach a log line.
		return nil, errors.New("not a valid PostgreSQL connection URL")
	}
	pc.MaxConns = 10
	if o.MaxConns > 0 {
		pc.MaxConns = o.MaxConns
	}
	pc.MinConns = o.MinConns
	pc.ConnConfig.ConnectTimeout = 5 * time.Second
	if o.ConnectTimeout > 0 {
		pc.ConnConfig.ConnectTimeout = o.ConnectTimeout
	}
	if o.StatementTimeout > 0 {
		pc.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(o.StatementTimeout.Milliseconds(), 10)
	}
	if o.ApplicationName != "" {
		pc.ConnConfig.RuntimeParams["application_name"] = o.ApplicationName
	}
	mode := o.ExecMode
	if mode == "" {
		mode = ExecModeExec
	}
	m, ok := ExecModes[mode]
	if !ok {
		return nil, fmt.Errorf("unknown query execution mode %q", mode)
	}
	pc.ConnConfig.DefaultQueryExecMode = m
	pc.HealthCheckPeriod = 15 * time.Second
	if o.Tracer != nil {
		pc.ConnConfig.Tracer = newQueryTracer(o.Tracer, pc.ConnConfig.Database)
	}
	return pc, nil
}

// Open creates the pool without waiting for the server: a process that needs the database
// at start-up calls Ping. Connections are made lazily and re-made after an outage.
func Open(o Options) (*DB, error) {
	pc, err := ParseOptions(o)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), pc)
	if err != nil {
		return nil, fmt.Errorf("create pool: %w", err)
	}
	sqldb := stdlib.OpenDBFromPool(pool)
	return &DB{Pool: pool, SQL: sqldb, Bun: bun.NewDB(sqldb, newDialect())}, nil
}

// Ping checks that the server answers within ctx.
func (db *DB) Ping(ctx context.Context) error {
	return db.Pool.Ping(ctx)
}

// Close closes the bun handle and the pool.
func (db *DB) Close() {
	_ = db.Bun.Close()
	db.Pool.Close()
}
