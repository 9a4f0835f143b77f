package postgres

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
)

// QueryOnePrepared runs a constant query with $n placeholders and scans its first row into
// dest with bun's model mapping (sql.ErrNoRows when there is none), inside the transaction
// ctx carries or on db.
//
// bun writes arguments into the SQL text, so each of its queries is a new text the server
// parses and plans anew, and which pgx cannot usefully prepare; the pool therefore sends
// bun's queries unprepared (database.ExecModeExec). A hot read instead passes a constant
// text and separate arguments here: pgx prepares it once per connection and then sends only
// Bind and Execute, in one round trip, and the server reuses its plan.
func QueryOnePrepared(ctx context.Context, db *bun.DB, dest any, query string, args ...any) error {
	full := make([]any, 0, len(args)+1)
	full = append(full, pgx.QueryExecModeCacheStatement)
	full = append(full, args...)
	var (
		rows *sql.Rows
		err  error
	)
	if tx, ok := SQLTx(ctx); ok {
		rows, err = tx.QueryContext(ctx, query, full...)
	} else {
		rows, err = db.DB.QueryContext(ctx, query, full...)
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := db.ScanRow(ctx, rows, dest); err != nil {
		return err
	}
	return rows.Close()
}
