package scheduletest_test

import (
	"testing"

	"github.com/keelhq/keel/application/schedule"
	"github.com/keelhq/keel/application/schedule/scheduletest"
)

func TestMemoryLedger(t *testing.T) {
	t.Parallel()
	scheduletest.LedgerContract(t, func(*testing.T) schedule.Ledger { return scheduletest.NewLedger() })
}
