package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// IsUnavailable reports whether err means PostgreSQL could not be reached, went away or
// is shutting down, or did not answer in time, as opposed to a statement that failed on
// its merits: such requests deserve a 503 and a retry, never a 500.
//
// It covers connecting (pgconn.ConnectError, a refused dial), losing the connection
// mid-statement (unexpected EOF, reset, broken pipe, pgx's "conn closed", database/sql's
// bad or done connection), the server's shutdown and connection exceptions (57P01-57P03,
// class 08), too many connections (53300), and time running out: a statement cancelled by
// statement_timeout or by the request's deadline (57014), a pgconn timeout, a context
// deadline.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "57P01", "57P02", "57P03", "57014", "53300":
			return true
		}
		return len(pgErr.Code) == 5 && pgErr.Code[:2] == "08"
	}
	var connectErr *pgconn.ConnectError
	var netErr *net.OpError
	switch {
	case errors.As(err, &connectErr), errors.As(err, &netErr):
		return true
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, pgconn.ErrConnClosed), errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, context.DeadlineExceeded), pgconn.Timeout(err):
		return true
	}
	return pgconn.SafeToRetry(err)
}
