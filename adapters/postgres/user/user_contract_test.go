package user

import (
	"testing"

	"github.com/keelhq/keel/adapters/postgres"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/domain/user/usertest"
	"github.com/keelhq/keel/platform/testkit/pgtest"
	"github.com/keelhq/keel/ports"
)

// TestRepositoryContract runs the suite the in-memory repository passes against the
// users table.
func TestRepositoryContract(t *testing.T) {
	t.Parallel()
	usertest.RepositoryContract(t, func(t *testing.T) (user.Repository, ports.Tx) {
		db := pgtest.Open(t).Bun
		return NewRepository(db), postgres.NewTransactor(db)
	})
}

// The same suite with single reads straight from the pgx pool.
func TestRepositoryContractWithPool(t *testing.T) {
	t.Parallel()
	usertest.RepositoryContract(t, func(t *testing.T) (user.Repository, ports.Tx) {
		db := pgtest.Open(t)
		return NewRepository(db.Bun).WithPool(db.Pool), postgres.NewTransactor(db.Bun)
	})
}
