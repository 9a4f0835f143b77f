package user_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/kernel/kerneltest"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/ports"
)

func TestParseName(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     user.Name
		wantCode string
	}{
		{"plain", "Ada Lovelace", "Ada Lovelace", ""},
		{"trimmed", "  Ada \t", "Ada", ""},
		{"one character", "A", "A", ""},
		{"100 runes", strings.Repeat("é", 100), user.Name(strings.Repeat("é", 100)), ""},
		{"101 runes", strings.Repeat("é", 101), "", "length_out_of_range"},
		{"101 ascii", strings.Repeat("a", 101), "", "length_out_of_range"},
		{"empty", "", "", "validation_required"},
		{"blank", " \n\t ", "", "validation_required"},
		{"newline inside", "Ada\nLovelace", "", "length_out_of_range"},
		{"NUL", "Ada\x00", "", "length_out_of_range"},
		{"escape", "Ada\x1b[31m", "", "length_out_of_range"},
		{"DEL", "Ada\x7f", "", "length_out_of_range"},
		{"C1 control", "Ada\u0085x", "", "length_out_of_range"},
		{"invalid UTF-8", "Ada\xff", "", "length_out_of_range"},
		{"right-to-left override", "Ada\u202eecalevoL", "", "length_out_of_range"},
		{"zero-width space", "Ad\u200ba", "", "length_out_of_range"},
		{"byte order mark", "\ufeffAda", "", "length_out_of_range"},
		{"line separator", "Ada\u2028Lovelace", "", "length_out_of_range"},
		{"accents and scripts are fine", "Zoë Ἀθηνᾶ 李", "Zoë Ἀθηνᾶ 李", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := user.ParseName(tt.in)
			if kerneltest.Code(err) != tt.wantCode || got != tt.want {
				t.Fatalf("ParseName(%q) = %q, %v; want %q, code %q", tt.in, got, err, tt.want, tt.wantCode)
			}
		})
	}
}

func TestParseStatus(t *testing.T) {
	for in, wantCode := range map[string]string{
		"active": "", "disabled": "", "": "validation_required", "Active": "invalid_status", "banned": "invalid_status",
	} {
		got, err := user.ParseStatus(in)
		if kerneltest.Code(err) != wantCode || (err == nil && string(got) != in) {
			t.Errorf("ParseStatus(%q) = %q, %v; want code %q", in, got, err, wantCode)
		}
	}
}

func TestNewUser(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 6789, time.FixedZone("CET", 3600))
	u := user.New("ann@example.com", "Ann", kernel.LocaleDE, kernel.RoleAdmin, now)
	if u.ID() == uuid.Nil || u.ID().Version() != 7 {
		t.Errorf("id %s is not a UUIDv7", u.ID())
	}
	if u.Email() != "ann@example.com" || u.Name() != "Ann" || u.Locale() != kernel.LocaleDE || u.Role() != kernel.RoleAdmin {
		t.Errorf("fields = %+v", u.Record())
	}
	if !u.Active() || u.Status() != user.StatusActive || u.EmailVerified() {
		t.Errorf("new user: active %v status %q verified %v; want active, unverified", u.Active(), u.Status(), u.EmailVerified())
	}
	want := kernel.Timestamp(now)
	if !u.CreatedAt().Equal(want) || !u.UpdatedAt().Equal(want) || u.CreatedAt().Location() != time.UTC {
		t.Errorf("times %v, %v; want %v in UTC", u.CreatedAt(), u.UpdatedAt(), want)
	}
}

func TestRestoreRecordRoundTrip(t *testing.T) {
	rec := user.Record{
		ID: kernel.NewID(), Email: "bob@example.com", Name: "Bob", Role: "admin", Status: "disabled", Locale: "es",
		EmailVerifiedAt: t0.Add(time.Hour), CreatedAt: t0, UpdatedAt: t0.Add(2 * time.Hour),
	}
	u, err := user.Restore(rec)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Record(); got != rec {
		t.Fatalf("Record() = %+v, want %+v", got, rec)
	}
	if u.Active() || !u.EmailVerified() || u.Role() != kernel.RoleAdmin || u.Locale() != kernel.LocaleES {
		t.Errorf("restored user has wrong state: %+v", u.Record())
	}
	fresh := user.New("c@example.com", "C", kernel.LocaleEN, kernel.RoleUser, t0)
	again, err := user.Restore(fresh.Record())
	if err != nil || again.Record() != fresh.Record() {
		t.Fatalf("New -> Record -> Restore lost state: %v, %+v", err, again)
	}
}

func TestRestoreRejectsCorruptRecords(t *testing.T) {
	good := user.Record{ID: kernel.NewID(), Email: "a@example.com", Name: "A", Role: "user", Status: "active", Locale: "en"}
	tests := []struct {
		name   string
		mutate func(*user.Record)
	}{
		{"nil id", func(r *user.Record) { r.ID = uuid.Nil }},
		{"empty email", func(r *user.Record) { r.Email = "" }},
		{"unknown role", func(r *user.Record) { r.Role = "root" }},
		{"empty role", func(r *user.Record) { r.Role = "" }},
		{"unknown status", func(r *user.Record) { r.Status = "banned" }},
		{"unknown locale", func(r *user.Record) { r.Locale = "fr" }},
		{"empty locale", func(r *user.Record) { r.Locale = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := good
			tt.mutate(&rec)
			u, err := user.Restore(rec)
			if err == nil || u != nil {
				t.Fatalf("Restore(%+v) = %v, nil; want an error", rec, u)
			}
			if !strings.Contains(err.Error(), "corrupt record") {
				t.Errorf("error %q does not say the record is corrupt", err)
			}
		})
	}
}

func TestRestoreRejectsInvalidName(t *testing.T) {
	for _, name := range []string{"", "a\x00b", strings.Repeat("x", 101)} {
		rec := user.Record{ID: kernel.NewID(), Email: "a@example.com", Name: name, Role: "user", Status: "active", Locale: "en"}
		if _, err := user.Restore(rec); err == nil {
			t.Errorf("Restore accepted name %q", name)
		}
	}
}

func TestUserMutatorsRecordOnlyDifferences(t *testing.T) {
	u := user.New("a@example.com", "Ann", kernel.LocaleEN, kernel.RoleUser, t0)
	later := t0.Add(time.Minute)
	ch := kernel.Changes{}
	u.Rename("Ann", later, ch)
	u.SetLocale(kernel.LocaleEN, later, ch)
	u.SetRole(kernel.RoleUser, later, ch)
	u.SetStatus(user.StatusActive, later, ch)
	if len(ch) != 0 || !u.UpdatedAt().Equal(t0) {
		t.Fatalf("no-op changes recorded %v, updatedAt %v", ch, u.UpdatedAt())
	}
	u.Rename("Anna", later, ch)
	u.SetRole(kernel.RoleAdmin, later, ch)
	want := kernel.Changes{"name": {From: "Ann", To: "Anna"}, "role": {From: "user", To: "admin"}}
	if len(ch) != 2 || ch["name"] != want["name"] || ch["role"] != want["role"] {
		t.Fatalf("changes = %v, want %v", ch, want)
	}
	if !u.UpdatedAt().Equal(later) {
		t.Errorf("updatedAt = %v, want %v", u.UpdatedAt(), later)
	}
}

func TestVerifyEmailOnce(t *testing.T) {
	u := user.New("a@example.com", "Ann", kernel.LocaleEN, kernel.RoleUser, t0)
	ch := kernel.Changes{}
	u.VerifyEmail(t0.Add(time.Minute), ch)
	if !u.EmailVerified() || ch["email_verified"] != (kernel.Change{From: false, To: true}) {
		t.Fatalf("verified %v, changes %v", u.EmailVerified(), ch)
	}
	ch2 := kernel.Changes{}
	u.VerifyEmail(t0.Add(time.Hour), ch2)
	if len(ch2) != 0 || !u.Record().EmailVerifiedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("second verification changed %v, verifiedAt %v", ch2, u.Record().EmailVerifiedAt)
	}
}

func TestAnonymise(t *testing.T) {
	u := user.New("a@example.com", "Ann", kernel.LocaleDE, kernel.RoleUser, t0)
	ch := kernel.Changes{}
	u.Anonymise(t0.Add(time.Minute), ch)
	wantEmail := "deleted-" + u.ID().String() + "@invalid"
	if u.Email().String() != wantEmail || u.Name() != "Deleted user" || u.Status() != user.StatusDisabled || u.Active() {
		t.Fatalf("anonymised user = %+v", u.Record())
	}
	for _, f := range []string{"anonymised", "status"} {
		if _, ok := ch[f]; !ok {
			t.Errorf("changes %v miss %q", ch, f)
		}
	}
	// The erased data must not live on in the audit trail.
	for _, f := range []string{"name", "email"} {
		if _, ok := ch[f]; ok {
			t.Errorf("changes %v keep the erased %q", ch, f)
		}
	}
	admin := user.New("b@example.com", "Bo", kernel.LocaleEN, kernel.RoleAdmin, t0)
	admin.Anonymise(t0, kernel.Changes{})
	if admin.Role() != kernel.RoleUser {
		t.Errorf("a deleted admin keeps role %s", admin.Role())
	}
}

func TestEventAndTopic(t *testing.T) {
	u := user.New("a@example.com", "Ann", kernel.LocaleES, kernel.RoleAdmin, t0)
	ev := user.Event{Name: user.EventUpdated, User: u.Record()}
	want := user.Record{
		ID: u.ID(), Email: "a@example.com", Name: "Ann", Role: "admin", Status: "active", Locale: "es",
		CreatedAt: t0, UpdatedAt: t0,
	}
	if ev.User != want {
		t.Errorf("Record = %+v, want %+v", ev.User, want)
	}
	if ev.EventName() != "user.updated" || ev.EventTopic() != "user:"+u.ID().String() {
		t.Errorf("event name %q, topic %q", ev.EventName(), ev.EventTopic())
	}
	var _ ports.Event = ev
	if got := user.Topic(u.ID()); got != "user:"+u.ID().String() {
		t.Errorf("Topic = %q", got)
	}
}
