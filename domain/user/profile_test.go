package user_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/kernel/kerneltest"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/ports"
)

func TestUpdateProfileValidation(t *testing.T) {
	tests := []struct {
		name string
		in   user.ProfileChange
		want map[string]string
	}{
		{"empty name", user.ProfileChange{Name: ptr(" ")}, map[string]string{"name": "validation_required"}},
		{"control in name", user.ProfileChange{Name: ptr("a\tb")}, map[string]string{"name": "length_out_of_range"}},
		{"bad locale", user.ProfileChange{Locale: ptr("fr")}, map[string]string{"locale": "invalid_locale"}},
		{"empty locale", user.ProfileChange{Locale: ptr("")}, map[string]string{"locale": "validation_required"}},
		{"both at once", user.ProfileChange{Name: ptr(""), Locale: ptr("xx")},
			map[string]string{"name": "validation_required", "locale": "invalid_locale"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			u := e.seed(t, "a@example.com", kernel.RoleUser)
			got, err := e.svc.UpdateProfile(context.Background(), actorOf(u), tt.in)
			if got != nil {
				t.Errorf("user returned with an error")
			}
			codes := kerneltest.FieldCodes(t, err)
			if len(codes) != len(tt.want) {
				t.Fatalf("errors = %v, want %v", codes, tt.want)
			}
			for f, c := range tt.want {
				if codes[f] != c {
					t.Errorf("errors[%q] = %q, want %q", f, codes[f], c)
				}
			}
			if e.tx.Commits()+e.tx.Rollbacks() != 0 || e.repo.updates != 0 || len(e.audit.Items()) != 0 {
				t.Errorf("invalid input reached the transaction")
			}
		})
	}
}

func TestUpdateProfileRecordsChanges(t *testing.T) {
	e := newEnv(t)
	u := e.seed(t, "a@example.com", kernel.RoleUser)
	e.clock.Set(t0.Add(time.Hour))
	ctx := ports.WithActor(context.Background(), ports.Actor{UserID: u.ID()})

	got, err := e.svc.UpdateProfile(ctx, actorOf(u), user.ProfileChange{Name: ptr(" Ann "), Locale: ptr("de")})
	if err != nil {
		t.Fatal(err)
	}
	if got.Name() != "Ann" || got.Locale() != kernel.LocaleDE || !got.UpdatedAt().Equal(e.clock.Now()) {
		t.Errorf("returned user = %+v", got.Record())
	}
	if rec := e.repo.record(t, u.ID()); rec.Name != "Ann" || rec.Locale != "de" {
		t.Errorf("stored user = %+v", rec)
	}
	if len(e.audit.Items()) != 1 {
		t.Fatalf("audit = %+v, want one record", e.audit.Items())
	}
	a := e.audit.Items()[0]
	if a.Action != "user.updated" || a.Entity != "user" || a.EntityID != u.ID().String() || a.ActorID != u.ID() {
		t.Errorf("audit record = %+v", a)
	}
	want := kernel.Changes{"name": {From: "Test User", To: "Ann"}, "locale": {From: "en", To: "de"}}
	if len(a.Changes) != 2 || a.Changes["name"] != want["name"] || a.Changes["locale"] != want["locale"] {
		t.Errorf("changes = %v, want %v", a.Changes, want)
	}
	if len(e.events.Items()) != 1 {
		t.Fatalf("events = %+v, want one", e.events.Items())
	}
	ev := e.events.Items()[0]
	p := ev.User
	if ev.EventName() != user.EventUpdated || ev.EventTopic() != "user:"+u.ID().String() || p != e.repo.record(t, u.ID()) || p.Name != "Ann" || p.Locale != "de" {
		t.Errorf("event = %+v", ev)
	}
	if e.tx.Commits() != 1 {
		t.Errorf("commits = %d, want 1", e.tx.Commits())
	}
}

func TestUpdateProfileWithoutChangeWritesNothing(t *testing.T) {
	for name, in := range map[string]user.ProfileChange{
		"same values": {Name: ptr("Test User"), Locale: ptr("EN")},
		"no fields":   {},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			u := e.seed(t, "a@example.com", kernel.RoleUser)
			e.clock.Set(t0.Add(time.Hour))
			got, err := e.svc.UpdateProfile(context.Background(), actorOf(u), in)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID() != u.ID() || !got.UpdatedAt().Equal(t0) {
				t.Errorf("returned %+v", got.Record())
			}
			if e.repo.updates != 0 || len(e.audit.Items()) != 0 || len(e.events.Items()) != 0 {
				t.Errorf("updates %d, audit %v, events %v; want none", e.repo.updates, e.audit.Items(), e.events.Items())
			}
		})
	}
}

func TestUpdateProfileUnknownUser(t *testing.T) {
	e := newEnv(t)
	_, err := e.svc.UpdateProfile(context.Background(), ports.Actor{UserID: kernel.NewID()}, user.ProfileChange{Name: ptr("X")})
	if !errors.Is(err, user.ErrNotFound) {
		t.Fatalf("error = %v, want ErrNotFound", err)
	}
}

func TestUpdateProfileRollsBackWhenEventFails(t *testing.T) {
	e := newEnv(t)
	u := e.seed(t, "a@example.com", kernel.RoleUser)
	boom := errors.New("outbox down")
	e.events.Err = boom
	if _, err := e.svc.UpdateProfile(context.Background(), actorOf(u), user.ProfileChange{Name: ptr("New")}); !errors.Is(err, boom) {
		t.Fatalf("error = %v, want %v", err, boom)
	}
	if rec := e.repo.record(t, u.ID()); rec.Name != "Test User" || len(e.audit.Items()) != 0 || e.tx.Rollbacks() != 1 {
		t.Errorf("after rollback: stored %+v, audit %v", rec, e.audit.Items())
	}
}

func TestRegister(t *testing.T) {
	e := newEnv(t)
	u := user.New("new@example.com", "New", kernel.LocaleES, kernel.RoleUser, t0)
	someoneElse := ports.WithActor(context.Background(), ports.Actor{UserID: kernel.NewID()})
	if err := e.svc.Register(someoneElse, u); err != nil {
		t.Fatal(err)
	}
	if rec := e.repo.record(t, u.ID()); rec != u.Record() {
		t.Errorf("stored %+v, want %+v", rec, u.Record())
	}
	if len(e.audit.Items()) != 1 {
		t.Fatalf("audit = %v", e.audit.Items())
	}
	a := e.audit.Items()[0]
	if a.Action != "user.registered" || a.ActorID != u.ID() || a.EntityID != u.ID().String() || a.Entity != "user" {
		t.Errorf("audit record = %+v", a)
	}
	for field, to := range map[string]string{"email": "new@example.com", "name": "New", "role": "user", "locale": "es"} {
		if a.Changes[field] != (kernel.Change{From: nil, To: to}) {
			t.Errorf("changes[%q] = %v, want nil -> %q", field, a.Changes[field], to)
		}
	}
	if len(a.Changes) != 4 {
		t.Errorf("changes = %v, want exactly email, name, role, locale", a.Changes)
	}
	if len(e.events.Items()) != 1 || e.events.Items()[0].Name != "user.registered" || e.events.Items()[0].EventTopic() != user.Topic(u.ID()) {
		t.Errorf("events = %+v", e.events.Items())
	}
}

func TestRegisterDuplicateEmail(t *testing.T) {
	e := newEnv(t)
	e.seed(t, "taken@example.com", kernel.RoleUser)
	u := user.New("taken@example.com", "Dup", kernel.LocaleEN, kernel.RoleUser, t0)
	if err := e.svc.Register(context.Background(), u); !errors.Is(err, user.ErrEmailTaken) {
		t.Fatalf("error = %v, want ErrEmailTaken", err)
	}
	if len(e.audit.Items()) != 0 || len(e.events.Items()) != 0 {
		t.Errorf("a failed registration was audited or published")
	}
}

func TestVerifyEmailAction(t *testing.T) {
	e := newEnv(t)
	u := e.seed(t, "a@example.com", kernel.RoleUser)
	if err := e.svc.VerifyEmail(context.Background(), u.ID()); err != nil {
		t.Fatal(err)
	}
	if rec := e.repo.record(t, u.ID()); !rec.EmailVerifiedAt.Equal(t0) {
		t.Errorf("verifiedAt = %v", rec.EmailVerifiedAt)
	}
	if len(e.audit.Items()) != 1 || e.audit.Items()[0].Changes["email_verified"] != (kernel.Change{From: false, To: true}) {
		t.Errorf("audit = %+v", e.audit.Items())
	}
	if err := e.svc.VerifyEmail(context.Background(), u.ID()); err != nil || len(e.audit.Items()) != 1 {
		t.Errorf("second verification: %v, audit %d records", err, len(e.audit.Items()))
	}
}

func TestGet(t *testing.T) {
	e := newEnv(t)
	u := e.seed(t, "a@example.com", kernel.RoleUser)
	if got, err := e.svc.Get(context.Background(), anAdmin(), u.ID()); err != nil || got.Record() != u.Record() {
		t.Errorf("Get = %v, %v", got, err)
	}
	if _, err := e.svc.Get(context.Background(), anAdmin(), kernel.NewID()); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("Get(unknown) error = %v", err)
	}
}

func TestList(t *testing.T) {
	tests := []struct {
		users, limit, wantLen int
		wantMore              bool
	}{
		{0, 20, 0, false},
		{3, 5, 3, false},
		{5, 5, 5, false},
		{6, 5, 5, true},
		{30, 1, 1, true},
	}
	for _, tt := range tests {
		e := newEnv(t)
		var ids []uuid.UUID
		for i := range tt.users {
			ids = append(ids, e.seed(t, "u"+string(rune('a'+i%26))+string(rune('a'+i/26))+"@example.com", kernel.RoleUser).ID())
		}
		page, err := kernel.NewPage(tt.limit, uuid.Nil)
		if err != nil {
			t.Fatal(err)
		}
		f := user.Filter{Q: "u", Role: kernel.RoleUser}
		got, more, err := e.svc.List(context.Background(), anAdmin(), f, page)
		if err != nil || len(got) != tt.wantLen || more != tt.wantMore {
			t.Errorf("%d users, limit %d: got %d, more %v, %v; want %d, %v", tt.users, tt.limit, len(got), more, err, tt.wantLen, tt.wantMore)
		}
		if len(got) > 0 && got[0].ID() != ids[len(ids)-1] {
			t.Errorf("first = %s, want the newest %s", got[0].ID(), ids[len(ids)-1])
		}
		if len(e.repo.listed) != 1 || e.repo.listed[0] != f {
			t.Errorf("filter passed = %v", e.repo.listed)
		}
	}
}

func TestListError(t *testing.T) {
	e := newEnv(t)
	e.repo.listErr = errors.New("db down")
	if _, _, err := e.svc.List(context.Background(), anAdmin(), user.Filter{}, kernel.Page{Limit: 5}); !errors.Is(err, e.repo.listErr) {
		t.Fatalf("error = %v", err)
	}
}
