// Package postgres implements Keel's persistence ports over PostgreSQL with bun: the
// transaction boundary here, and one subpackage of repositories per bounded context.
package postgres

import (
	"context"
	"database/sql"

	"github.com/uptrace/bun"
)

type txKey struct{}

type hooksKey struct{}

// hooks collects a transaction's after-commit functions.
type hooks struct{ fns []func() }

// Transactor implements ports.Tx: the transaction travels in the context, so repositories
// and the job queue called inside Do join it without seeing bun.Tx in their signatures.
type Transactor struct {
	db *bun.DB
}

// NewTransactor returns a Transactor over db.
func NewTransactor(db *bun.DB) *Transactor { return &Transactor{db: db} }

// Do runs fn in a transaction, or inside the caller's when ctx already carries one.
func (t *Transactor) Do(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(bun.Tx); ok {
		return fn(ctx)
	}
	h := &hooks{}
	err := t.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		return fn(context.WithValue(context.WithValue(ctx, txKey{}, tx), hooksKey{}, h))
	})
	if err != nil {
		return err
	}
	for _, f := range h.fns {
		f()
	}
	return nil
}

// AfterCommit implements ports.Tx.
func (t *Transactor) AfterCommit(ctx context.Context, fn func()) {
	if h, ok := ctx.Value(hooksKey{}).(*hooks); ok {
		h.fns = append(h.fns, fn)
		return
	}
	fn()
}

// Conn returns the transaction carried by ctx, or db outside one.
func Conn(ctx context.Context, db *bun.DB) bun.IDB {
	if tx, ok := ctx.Value(txKey{}).(bun.Tx); ok {
		return tx
	}
	return db
}

// SQLTx returns the *sql.Tx carried by ctx, for libraries that join it (River's InsertTx).
func SQLTx(ctx context.Context) (*sql.Tx, bool) {
	tx, ok := ctx.Value(txKey{}).(bun.Tx)
	if !ok {
		return nil, false
	}
	return tx.Tx, true
}

// InTx reports whether ctx carries a transaction.
func InTx(ctx context.Context) bool {
	_, ok := ctx.Value(txKey{}).(bun.Tx)
	return ok
}
