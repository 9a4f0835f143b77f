package audit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/invopop/validation"

	memaudit "github.com/keelhq/keel/adapters/memory/audit"
	"github.com/keelhq/keel/domain/audit"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/ports"
	"github.com/keelhq/keel/ports/portstest"
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
// recordingRepo is the in-memory audit repository, remembering what List was asked and
// answered. With failList set, List fails; with refuse set, any call fails the test.
type recordingRepo struct {
	*memaudit.Repository
	t        *testing.T
	refuse   bool
	failList error
	calls    []audit.Filter
	pages    []kernel.Page
	answered [][]audit.Entry
}

func newRepo(t *testing.T) *recordingRepo {
	return &recordingRepo{Repository: memaudit.NewRepository(nil), t: t}
}

func (r *recordingRepo) Append(ctx context.Context, e audit.Entry) error {
	if r.refuse {
		r.t.Errorf("Append(%v) called", e)
	}
	return r.Repository.Append(ctx, e)
}

func (r *recordingRepo) List(ctx context.Context, f audit.Filter, page kernel.Page) ([]audit.Entry, error) {
	if r.refuse {
		r.t.Errorf("List(%v, %v) called", f, page)
	}
	r.calls, r.pages = append(r.calls, f), append(r.pages, page)
	if r.failList != nil {
		return nil, r.failList
	}
	out, err := r.Repository.List(ctx, f, page)
	r.answered = append(r.answered, out)
	return out, err
}

// seed appends n entries matching filter f, created at t0.
func (r *recordingRepo) seed(t *testing.T, n int, f audit.Filter) {
	t.Helper()
	for range n {
		e := audit.Entry{ID: kernel.NewID(), ActorID: f.ActorID, Action: f.Action, Entity: f.Entity, Changes: kernel.Changes{}, CreatedAt: t0}
		if err := r.Repository.Append(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

func newService(t *testing.T, repo audit.Repository) *audit.Service {
	t.Helper()
	svc, err := audit.NewService(repo, portstest.NewClock(t0))
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

var admin = ports.Actor{UserID: kernel.NewID(), SessionID: kernel.NewID(), Role: kernel.RoleAdmin}

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
		repo := newRepo(t)
		svc := newService(t, repo)
		f := audit.Filter{ActorID: kernel.NewID(), Entity: "user", Action: "user.updated", From: t0, To: t0.Add(time.Hour)}
		repo.seed(t, tt.stored, f)
		repo.seed(t, 2, audit.Filter{ActorID: kernel.NewID(), Entity: "user", Action: "user.updated"}) // not matching
		after := uuid.Max
		got, more, err := svc.List(context.Background(), admin, f, kernel.Page{Limit: tt.limit, After: after})
		if err != nil || len(got) != tt.wantLen || more != tt.wantMore {
			t.Errorf("%d stored, limit %d: %d entries, more %v, %v; want %d, %v", tt.stored, tt.limit, len(got), more, err, tt.wantLen, tt.wantMore)
		}
		if len(repo.calls) != 1 || repo.calls[0] != f || repo.pages[0].After != after {
			t.Fatalf("repository asked %v %v", repo.calls, repo.pages)
		}
		for i := range got {
			if got[i].ID != repo.answered[0][i].ID || got[i].ActorID != f.ActorID {
				t.Errorf("entry %d out of order or not matching", i)
			}
		}
	}
}

func TestListRejectsBadRangeBeforeQuerying(t *testing.T) {
	repo := newRepo(t)
	svc := newService(t, repo)
	_, _, err := svc.List(context.Background(), admin, audit.Filter{From: t0, To: t0.Add(-time.Hour)}, kernel.Page{Limit: 20})
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
	repo := newRepo(t)
	repo.failList = boom
	svc := newService(t, repo)
	got, more, err := svc.List(context.Background(), admin, audit.Filter{ActorID: uuid.Nil}, kernel.Page{Limit: 20})
	if !errors.Is(err, boom) || got != nil || more {
		t.Fatalf("List = %v, %v, %v", got, more, err)
	}
}

// TestListRefusesNonAdmins: the audit trail is for administrators only, and another
// actor is refused before the repository is asked anything.
func TestListRefusesNonAdmins(t *testing.T) {
	tests := []struct {
		name  string
		actor ports.Actor
	}{
		{"user", ports.Actor{UserID: kernel.NewID(), SessionID: kernel.NewID(), Role: kernel.RoleUser}},
		{"zero actor", ports.Actor{}},
		{"role without a user", ports.Actor{Role: kernel.RoleUser}},
		{"admin role without a user", ports.Actor{Role: kernel.RoleAdmin}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := newRepo(t)
			repo.refuse = true
			svc := newService(t, repo)
			got, more, err := svc.List(context.Background(), tt.actor, audit.Filter{}, kernel.Page{Limit: 20})
			if !errors.Is(err, audit.ErrForbidden) || got != nil || more {
				t.Fatalf("List = %v, %v, %v; want ErrForbidden", got, more, err)
			}
		})
	}
}

func TestNewServiceRefusesMissingPorts(t *testing.T) {
	if _, err := audit.NewService(nil, portstest.NewClock(t0)); err == nil {
		t.Error("NewService accepted no repository")
	}
	if _, err := audit.NewService(memaudit.NewRepository(nil), nil); err == nil {
		t.Error("NewService accepted no clock")
	}
}

// TestRecord: the trail drops secret fields, takes the actor and request from the context
// unless the record names one, and stamps the clock's time.
func TestRecord(t *testing.T) {
	repo := newRepo(t)
	svc := newService(t, repo)
	actor, registered := kernel.NewID(), kernel.NewID()
	ctx := ports.WithRequest(ports.WithActor(context.Background(), ports.Actor{UserID: actor}), ports.RequestInfo{RequestID: "req-1", IP: "192.0.2.1"})
	ch := kernel.Changes{}
	ch.Set("name", "a", "b")
	ch.Set("password_hash", "x", "y")
	ch.Set("new_password", nil, "z")
	ch.Set("refreshToken", nil, "t")
	ch.Set("client_secret", nil, "s")
	if err := svc.Record(ctx, ports.AuditRecord{Action: "user.updated", Entity: "user", EntityID: "e1", Changes: ch}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Record(ctx, ports.AuditRecord{Action: "user.registered", Entity: "user", EntityID: "e2", ActorID: registered}); err != nil {
		t.Fatal(err)
	}
	got, _, err := svc.List(context.Background(), admin, audit.Filter{}, kernel.Page{Limit: 10})
	if err != nil || len(got) != 2 {
		t.Fatalf("List = %v, %v", got, err)
	}
	byEntity := map[string]audit.Entry{got[0].EntityID: got[0], got[1].EntityID: got[1]}
	e1, e2 := byEntity["e1"], byEntity["e2"]
	if _, ok := e1.Changes["name"]; !ok || len(e1.Changes) != 1 {
		t.Errorf("changes = %v, want only name", e1.Changes)
	}
	if e1.ActorID != actor || e1.RequestID != "req-1" || e1.IP != "192.0.2.1" || !e1.CreatedAt.Equal(t0) || e1.Action != "user.updated" {
		t.Errorf("entry = %+v", e1)
	}
	if e2.ActorID != registered {
		t.Errorf("actor = %v, want the record's %v", e2.ActorID, registered)
	}
}
