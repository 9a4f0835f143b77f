package audittest

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/keelhq/keel/domain/audit"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/ports"
)

// Trail is the real audit trail (audit.Service) over a repository, for the unit tests of
// the contexts that write to it: it reads back what was recorded and can be made to fail.
type Trail struct {
	*audit.Service
	repo audit.Repository

	mu  sync.Mutex
	err error
}

var _ ports.AuditTrail = (*Trail)(nil)

// NewTrail returns audit.NewService(repo, clock) with the helpers below; repo is usually the
// in-memory repository, registered with the test's transaction.
func NewTrail(t testing.TB, repo audit.Repository, clock ports.Clock) *Trail {
	t.Helper()
	svc, err := audit.NewService(repo, clock)
	if err != nil {
		t.Fatal(err)
	}
	return &Trail{Service: svc, repo: repo}
}

// Fail makes every later Record return err (nil: record again), to simulate a trail that
// is down.
func (tr *Trail) Fail(err error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.err = err
}

// Record implements ports.AuditTrail: audit.Service.Record, unless Fail was given an error.
func (tr *Trail) Record(ctx context.Context, rec ports.AuditRecord) error {
	tr.mu.Lock()
	err := tr.err
	tr.mu.Unlock()
	if err != nil {
		return err
	}
	return tr.Service.Record(ctx, rec)
}

// Items returns every stored entry, oldest first (entry ids grow with time).
func (tr *Trail) Items() []audit.Entry {
	entries, err := tr.repo.List(context.Background(), audit.Filter{}, kernel.Page{Limit: 1 << 20})
	if err != nil {
		panic("audittest: list the trail: " + err.Error())
	}
	slices.Reverse(entries)
	return entries
}

// Actions returns the Action of every stored entry, oldest first.
func (tr *Trail) Actions() []string {
	items := tr.Items()
	out := make([]string, len(items))
	for i, e := range items {
		out[i] = e.Action
	}
	return out
}
