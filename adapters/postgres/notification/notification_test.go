package notification

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/postgres"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/notification/notificationtest"
	"github.com/keelhq/keel/platform/testkit/pgtest"
)

// TestRepositoryContract runs the suite the in-memory repository passes against the
// notifications and notification_reads tables.
func TestRepositoryContract(t *testing.T) {
	t.Parallel()
	notificationtest.RepositoryContract(t, func(t *testing.T) notificationtest.Env {
		db := pgtest.Open(t).Bun
		return notificationtest.Env{
			Repo: NewRepository(db), Tx: postgres.NewTransactor(db),
			NewUser: func(t *testing.T) uuid.UUID {
				t.Helper()
				id := kernel.NewID()
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_, err := db.ExecContext(ctx, `INSERT INTO users (id, email, name, role, status, locale, created_at, updated_at)
					VALUES (?, ?, 'N', 'user', 'active', 'en', now(), now())`, id, id.String()+"@example.com")
				if err != nil {
					t.Fatal(err)
				}
				return id
			},
		}
	})
}
