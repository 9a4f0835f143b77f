package audit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/invopop/validation"

	"github.com/keelhq/keel/domain/audit"
	"github.com/keelhq/keel/domain/kernel"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestFilterValidate(t *testing.T) {
	tests := []struct {
		name     string
		from, to time.Time
		wantErr  bool
	}{
		{"no range", time.Time{}, time.Time{}, false},
		{"from only", t0, time.Time{}, false},
		{"to only", time.Time{}, t0, false},
		{"from before to", t0, t0.Add(time.Hour), false},
		{"equal", t0, t0, false},
		{"to before from", t0, t0.Add(-time.Nanosecond), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := audit.Filter{From: tt.from, To: tt.to}.Validate()
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var errs validation.Errors
			var ve validation.Error
			if !errors.As(err, &errs) || len(errs) != 1 || !errors.As(errs["to"], &ve) || ve.Code() != "invalid_range" {
				t.Fatalf("Validate() = %v, want {to: invalid_range}", err)
			}
		})
	}
}

// fakeRepo returns its entries, up to page.Limit+1, and records what it was asked.
type fakeRepo struct {
	entries []audit.Entry
	err     error
	calls   []audit.Filter
	pages   []kernel.Page
}

func (r *fakeRepo) List(_ context.Context, f audit.Filter, page kernel.Page) ([]audit.Entry, error) {
	r.calls, r.pages = append(r.calls, f), append(r.pages, page)
	if r.err != nil {
		return nil, r.err
	}
	return r.entries[:min(len(r.entries), page.Limit+1)], nil
}

func entries(n int) []audit.Entry {
	out := make([]audit.Entry, n)
	for i := range out {
		out[i] = audit.Entry{ID: kernel.NewID(), Action: "user.updated", Entity: "user", CreatedAt: t0}
	}
	return out
}

func TestList(t *testing.T) {
	tests := []struct {
		stored, limit, wantLen int
		wantMore               bool
	}{
		{0, 20, 0, false},
		{3, 20, 3, false},
		{20, 20, 20, false},
		{21, 20, 20, true},
		{50, 1, 1, true},
	}
	for _, tt := range tests {
		repo := &fakeRepo{entries: entries(tt.stored)}
		svc := &audit.Service{Repo: repo}
		after := kernel.NewID()
		f := audit.Filter{ActorID: kernel.NewID(), Entity: "user", Action: "user.updated", From: t0, To: t0.Add(time.Hour)}
		got, more, err := svc.List(context.Background(), f, kernel.Page{Limit: tt.limit, After: after})
		if err != nil || len(got) != tt.wantLen || more != tt.wantMore {
			t.Errorf("%d stored, limit %d: %d entries, more %v, %v; want %d, %v", tt.stored, tt.limit, len(got), more, err, tt.wantLen, tt.wantMore)
		}
		if len(repo.calls) != 1 || repo.calls[0] != f || repo.pages[0].After != after {
			t.Errorf("repository asked %v %v", repo.calls, repo.pages)
		}
		for i := range got {
			if got[i].ID != repo.entries[i].ID {
				t.Errorf("entry %d out of order", i)
			}
		}
	}
}

func TestListRejectsBadRangeBeforeQuerying(t *testing.T) {
	repo := &fakeRepo{}
	svc := &audit.Service{Repo: repo}
	_, _, err := svc.List(context.Background(), audit.Filter{From: t0, To: t0.Add(-time.Hour)}, kernel.Page{Limit: 20})
	var errs validation.Errors
	if !errors.As(err, &errs) || errs["to"] == nil {
		t.Fatalf("error = %v, want a validation error on to", err)
	}
	if len(repo.calls) != 0 {
		t.Error("the repository was queried with an invalid filter")
	}
}

func TestListRepositoryError(t *testing.T) {
	boom := errors.New("db down")
	svc := &audit.Service{Repo: &fakeRepo{err: boom}}
	got, more, err := svc.List(context.Background(), audit.Filter{ActorID: uuid.Nil}, kernel.Page{Limit: 20})
	if !errors.Is(err, boom) || got != nil || more {
		t.Fatalf("List = %v, %v, %v", got, more, err)
	}
}
