package notification_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/memory"
	memnotification "github.com/keelhq/keel/adapters/memory/notification"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/notification/notificationtest"
)

func TestRepositoryContract(t *testing.T) {
	notificationtest.RepositoryContract(t, func(*testing.T) notificationtest.Env {
		tx := memory.NewTx()
		return notificationtest.Env{
			Repo: memnotification.NewRepository(tx), Tx: tx,
			NewUser: func(*testing.T) uuid.UUID { return kernel.NewID() },
		}
	})
}
