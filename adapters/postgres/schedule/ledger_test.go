package schedule_test

import (
	"testing"

	pgschedule "github.com/keelhq/keel/adapters/postgres/schedule"
	"github.com/keelhq/keel/application/schedule"
	"github.com/keelhq/keel/application/schedule/scheduletest"
	"github.com/keelhq/keel/platform/testkit/pgtest"
)

func TestLedgerContract(t *testing.T) {
	t.Parallel()
	scheduletest.LedgerContract(t, func(t *testing.T) schedule.Ledger { return pgschedule.NewLedger(pgtest.Open(t).Bun) })
}
