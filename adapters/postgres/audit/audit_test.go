package audit

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/keelhq/keel/adapters/postgres"
	"github.com/keelhq/keel/domain/audit"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/platform/testkit/pgtest"
	"github.com/keelhq/keel/ports"
)

var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// fixedClock always tells the same time.
type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

// newTrail is the audit context's trail over a Repository on db: what every context
// writes through.
func newTrail(t *testing.T, db *bun.DB, clock fixedClock) *audit.Service {
	t.Helper()
	s, err := audit.NewService(NewRepository(db), clock)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func open(t *testing.T) (context.Context, *bun.DB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx, pgtest.Open(t).Bun
}

// only returns the single entry about entityID, failing unless there is exactly one.
func only(t *testing.T, ctx context.Context, repo *Repository, entityID string) audit.Entry {
	t.Helper()
	entries, err := repo.List(ctx, audit.Filter{EntityID: entityID}, kernel.Page{Limit: 10})
	if err != nil || len(entries) != 1 {
		t.Fatalf("List = %d entries, %v; want 1", len(entries), err)
	}
	return entries[0]
}

func TestRecordTakesActorAndRequestFromContext(t *testing.T) {
	t.Parallel()
	signedIn, explicit := kernel.NewID(), kernel.NewID()
	inRequest := ports.WithRequest(context.Background(), ports.RequestInfo{RequestID: "req-1", IP: "203.0.113.9", UserAgent: "ua"})
	withActor := ports.WithActor(inRequest, ports.Actor{UserID: signedIn, SessionID: kernel.NewID(), Role: kernel.RoleUser})

	tests := []struct {
		name       string
		ctx        context.Context
		actor      uuid.UUID
		wantActor  uuid.UUID
		wantIP     string
		wantReqID  string
		wantNulled bool
	}{
		{"actor from context", withActor, uuid.Nil, signedIn, "203.0.113.9", "req-1", false},
		{"explicit actor wins", withActor, explicit, explicit, "203.0.113.9", "req-1", false},
		{"system, in a request", inRequest, uuid.Nil, uuid.Nil, "203.0.113.9", "req-1", true},
		{"system, no request", context.Background(), uuid.Nil, uuid.Nil, "", "", true},
	}
	ctx, db := open(t)
	trail, repo := newTrail(t, db, fixedClock(t0.Add(time.Nanosecond))), NewRepository(db)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := ports.AuditRecord{Action: "user.updated", Entity: "user", EntityID: tt.name, ActorID: tt.actor,
				Changes: kernel.Changes{"name": {From: "Ann", To: "Anna"}}}
			rctx, cancel := context.WithTimeout(tt.ctx, 30*time.Second)
			defer cancel()
			if err := trail.Record(rctx, rec); err != nil {
				t.Fatal(err)
			}
			e := only(t, ctx, repo, tt.name)
			want := audit.Entry{ID: e.ID, ActorID: tt.wantActor, Action: "user.updated", Entity: "user", EntityID: tt.name,
				IP: tt.wantIP, RequestID: tt.wantReqID, Changes: rec.Changes, CreatedAt: t0}
			if !reflect.DeepEqual(e, want) {
				t.Errorf("entry:\n got %+v\nwant %+v", e, want)
			}
			var nulls int
			if err := db.NewRaw("SELECT count(*) FROM audit_logs WHERE actor_id IS NULL AND entity_id = ?", tt.name).Scan(ctx, &nulls); err != nil {
				t.Fatal(err)
			}
			if (nulls == 1) != tt.wantNulled {
				t.Errorf("actor_id NULL: %v, want %v", nulls == 1, tt.wantNulled)
			}
		})
	}
}

func TestRecordDropsSecrets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		changes kernel.Changes
		want    kernel.Changes
		stored  string // the changes column, as jsonb text
	}{
		{"nil", nil, kernel.Changes{}, `{}`},
		{"empty", kernel.Changes{}, kernel.Changes{}, `{}`},
		{
			"secrets",
			kernel.Changes{
				"name": {From: "a", To: "b"}, "email_verified": {From: false, To: true},
				"password": {To: "x"}, "newPasswordHash": {To: "x"}, "refresh_token": {To: "x"},
				"TOKEN": {To: "x"}, "hash": {To: "x"}, "clientSecret": {To: "x"},
			},
			// Domain names (snake_case) are stored as JSON spells them (camelCase).
			kernel.Changes{"name": {From: "a", To: "b"}, "email_verified": {From: false, To: true}},
			`{"name": {"to": "b", "from": "a"}, "emailVerified": {"to": true, "from": false}}`,
		},
	}
	ctx, db := open(t)
	trail, repo := newTrail(t, db, fixedClock(t0)), NewRepository(db)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := trail.Record(ctx, ports.AuditRecord{Action: "a.b", Entity: "a", EntityID: tt.name, Changes: tt.changes}); err != nil {
				t.Fatal(err)
			}
			if e := only(t, ctx, repo, tt.name); !reflect.DeepEqual(e.Changes, tt.want) {
				t.Errorf("changes: got %v, want %v", e.Changes, tt.want)
			}
			var stored string
			if err := db.NewRaw("SELECT changes::text FROM audit_logs WHERE entity_id = ?", tt.name).Scan(ctx, &stored); err != nil {
				t.Fatal(err)
			}
			if stored != tt.stored {
				t.Errorf("stored %s, want %s", stored, tt.stored)
			}
		})
	}
}

func TestRecordJoinsTransaction(t *testing.T) {
	t.Parallel()
	ctx, db := open(t)
	trail, repo := newTrail(t, db, fixedClock(t0)), NewRepository(db)
	boom := errors.New("boom")
	err := postgres.NewTransactor(db).Do(ctx, func(txCtx context.Context) error {
		if err := trail.Record(txCtx, ports.AuditRecord{Action: "a.b", Entity: "a", EntityID: "1"}); err != nil {
			return err
		}
		if inTx, _ := repo.List(txCtx, audit.Filter{}, kernel.Page{Limit: 10}); len(inTx) != 1 {
			t.Errorf("inside the transaction: %d entries, want 1", len(inTx))
		}
		if outside, _ := repo.List(ctx, audit.Filter{}, kernel.Page{Limit: 10}); len(outside) != 0 {
			t.Errorf("outside the transaction: %d entries, want 0", len(outside))
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Do: got %v, want boom", err)
	}
	if after, err := repo.List(ctx, audit.Filter{}, kernel.Page{Limit: 10}); err != nil || len(after) != 0 {
		t.Errorf("after rollback: %d entries, %v", len(after), err)
	}
}
