package audit

import (
	"testing"

	"github.com/keelhq/keel/adapters/postgres"
	"github.com/keelhq/keel/domain/audit"
	"github.com/keelhq/keel/domain/audit/audittest"
	"github.com/keelhq/keel/platform/testkit/pgtest"
	"github.com/keelhq/keel/ports"
)

// TestRepositoryContract runs the suite the in-memory repository passes against the
// audit_logs table.
func TestRepositoryContract(t *testing.T) {
	t.Parallel()
	audittest.RepositoryContract(t, func(t *testing.T) (audit.Repository, ports.Tx) {
		db := pgtest.Open(t).Bun
		return NewRepository(db), postgres.NewTransactor(db)
	})
}
