package user_test

import (
	"testing"

	"github.com/keelhq/keel/adapters/memory"
	memuser "github.com/keelhq/keel/adapters/memory/user"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/domain/user/usertest"
	"github.com/keelhq/keel/ports"
)

func TestRepositoryContract(t *testing.T) {
	usertest.RepositoryContract(t, func(*testing.T) (user.Repository, ports.Tx) {
		tx := memory.NewTx()
		return memuser.NewRepository(tx), tx
	})
}
