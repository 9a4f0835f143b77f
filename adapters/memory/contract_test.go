package memory_test

import (
	"testing"

	"github.com/keelhq/keel/adapters/memory"
	"github.com/keelhq/keel/ports/contract"
)

func TestTxEventsContract(t *testing.T) {
	contract.TxEventsContract(t, func(t *testing.T) contract.TxEvents {
		tx := memory.NewTx()
		outbox := memory.NewOutbox(tx)
		return contract.TxEvents{
			Tx:     tx,
			Events: outbox,
			Published: func(*testing.T) []contract.Published {
				var out []contract.Published
				for _, ev := range outbox.Events() {
					out = append(out, contract.Published{Name: ev.EventName(), Topic: ev.EventTopic()})
				}
				return out
			},
		}
	})
}
