package outbox

import (
	"testing"

	"github.com/keelhq/keel/adapters/postgres"
	"github.com/keelhq/keel/ports"
	"github.com/keelhq/keel/ports/contract"
)

// TestTxEventsContract runs the suite the in-memory Tx and Outbox pass against
// postgres.Transactor and Events, reading back the committed outbox_events rows.
func TestTxEventsContract(t *testing.T) {
	t.Parallel()
	nameOnly := func(ev ports.Event) (any, bool) { return map[string]string{"name": ev.EventName()}, true }
	contract.TxEventsContract(t, func(t *testing.T) contract.TxEvents {
		ctx, db := open(t)
		return contract.TxEvents{
			Tx:     postgres.NewTransactor(db),
			Events: NewEvents(db, fixedClock(t0), nameOnly),
			Published: func(t *testing.T) []contract.Published {
				t.Helper()
				var rows []row
				if err := db.NewSelect().Model(&rows).OrderExpr("o.id").Scan(ctx); err != nil {
					t.Fatalf("read outbox_events: %v", err)
				}
				out := make([]contract.Published, len(rows))
				for i, r := range rows {
					out[i] = contract.Published{Name: r.Name, Topic: r.Topic}
				}
				return out
			},
		}
	})
}
