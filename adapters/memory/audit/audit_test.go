package audit_test

import (
	"testing"

	"github.com/keelhq/keel/adapters/memory"
	memaudit "github.com/keelhq/keel/adapters/memory/audit"
	"github.com/keelhq/keel/domain/audit"
	"github.com/keelhq/keel/domain/audit/audittest"
	"github.com/keelhq/keel/ports"
)

func TestRepositoryContract(t *testing.T) {
	audittest.RepositoryContract(t, func(*testing.T) (audit.Repository, ports.Tx) {
		tx := memory.NewTx()
		return memaudit.NewRepository(tx), tx
	})
}
