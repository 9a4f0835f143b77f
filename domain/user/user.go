// Package user is the user bounded context: accounts' profile, role and status, the admin
// actions over them, and their audit trail. Credentials and sessions belong to auth.
package user

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/invopop/validation"

	"github.com/keelhq/keel/domain/kernel"
)

// Status tells whether an account may sign in.
type Status string

// The statuses.
const (
	StatusActive   Status = "active"
	StatusDisabled Status = "disabled"
)

// ErrInvalidStatus is the validation error of an unknown status.
var ErrInvalidStatus = validation.NewError("invalid_status", "must be active or disabled")

// ParseStatus accepts "active" or "disabled".
func ParseStatus(s string) (Status, error) {
	switch st := Status(s); st {
	case StatusActive, StatusDisabled:
		return st, nil
	case "":
		return "", validation.ErrRequired
	}
	return "", ErrInvalidStatus
}

// Name is a display name: 1 to 100 characters, none of them invisible.
type Name string

const maxNameLength = 100

// ErrInvalidName is the validation error of a malformed name.
var ErrInvalidName = validation.NewError("length_out_of_range", "must be between 1 and 100 characters long").
	SetParams(map[string]any{"min": 1, "max": maxNameLength})

// invisible reports a character a reader cannot see but that changes how a name reads:
// control characters, format characters (zero-width, bidi overrides, BOM) and line or
// paragraph separators.
func invisible(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

// ParseName trims s and checks its length and characters.
func ParseName(s string) (Name, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", validation.ErrRequired
	}
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxNameLength || strings.ContainsFunc(s, invisible) {
		return "", ErrInvalidName
	}
	return Name(s), nil
}

// User is an account. It is always valid: built by New or Restore, changed by its methods.
type User struct {
	id              uuid.UUID
	email           kernel.Email
	name            Name
	role            kernel.Role
	status          Status
	locale          kernel.Locale
	emailVerifiedAt time.Time
	createdAt       time.Time
	updatedAt       time.Time
}

// New returns an active, unverified account.
func New(email kernel.Email, name Name, locale kernel.Locale, role kernel.Role, now time.Time) *User {
	now = kernel.Timestamp(now)
	return &User{
		id: kernel.NewID(), email: email, name: name, role: role, status: StatusActive,
		locale: locale, createdAt: now, updatedAt: now,
	}
}

// Record is a user's state in primitive form, for storage.
type Record struct {
	ID              uuid.UUID
	Email           string
	Name            string
	Role            string
	Status          string
	Locale          string
	EmailVerifiedAt time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Restore rebuilds a user from storage, refusing a record that breaks an invariant.
func Restore(r Record) (*User, error) {
	role, err1 := kernel.ParseRole(r.Role)
	status, err2 := ParseStatus(r.Status)
	locale, err3 := kernel.ParseLocale(r.Locale)
	name, err4 := ParseName(r.Name)
	if err := firstErr(err1, err2, err3, err4); err != nil || r.ID == uuid.Nil || r.Email == "" || string(name) != r.Name {
		return nil, fmt.Errorf("restore user %s: corrupt record: %v", r.ID, err)
	}
	return &User{
		id: r.ID, email: kernel.Email(r.Email), name: name, role: role, status: status,
		locale: locale, emailVerifiedAt: r.EmailVerifiedAt, createdAt: r.CreatedAt, updatedAt: r.UpdatedAt,
	}, nil
}

// Record returns the user's state for storage.
func (u *User) Record() Record {
	return Record{
		ID: u.id, Email: string(u.email), Name: string(u.name), Role: string(u.role), Status: string(u.status),
		Locale: string(u.locale), EmailVerifiedAt: u.emailVerifiedAt, CreatedAt: u.createdAt, UpdatedAt: u.updatedAt,
	}
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// ID returns the account's id.
func (u *User) ID() uuid.UUID { return u.id }

// Email returns the normalised address.
func (u *User) Email() kernel.Email { return u.email }

// Name returns the display name.
func (u *User) Name() Name { return u.name }

// Role returns the role.
func (u *User) Role() kernel.Role { return u.role }

// Status returns the status.
func (u *User) Status() Status { return u.status }

// Locale returns the preferred language.
func (u *User) Locale() kernel.Locale { return u.locale }

// EmailVerified reports whether the address was confirmed.
func (u *User) EmailVerified() bool { return !u.emailVerifiedAt.IsZero() }

// Active reports whether the account may sign in.
func (u *User) Active() bool { return u.status == StatusActive }

// CreatedAt returns when the account was created.
func (u *User) CreatedAt() time.Time { return u.createdAt }

// UpdatedAt returns when the account last changed.
func (u *User) UpdatedAt() time.Time { return u.updatedAt }

// Rename sets the display name.
func (u *User) Rename(n Name, now time.Time, ch kernel.Changes) {
	ch.Set("name", string(u.name), string(n))
	u.name = n
	u.touch(now, ch)
}

// SetLocale sets the preferred language.
func (u *User) SetLocale(l kernel.Locale, now time.Time, ch kernel.Changes) {
	ch.Set("locale", string(u.locale), string(l))
	u.locale = l
	u.touch(now, ch)
}

// SetRole sets the role.
func (u *User) SetRole(r kernel.Role, now time.Time, ch kernel.Changes) {
	ch.Set("role", string(u.role), string(r))
	u.role = r
	u.touch(now, ch)
}

// SetStatus enables or disables the account.
func (u *User) SetStatus(s Status, now time.Time, ch kernel.Changes) {
	ch.Set("status", string(u.status), string(s))
	u.status = s
	u.touch(now, ch)
}

// VerifyEmail marks the address as confirmed.
func (u *User) VerifyEmail(now time.Time, ch kernel.Changes) {
	if u.EmailVerified() {
		return
	}
	ch.Set("email_verified", false, true)
	u.emailVerifiedAt = kernel.Timestamp(now)
	u.touch(now, ch)
}

// Anonymise erases the personal data of a deleted account, demotes and disables it; the
// id stays, so the audit trail still refers to it. The changes record that it happened,
// not the erased data (which would otherwise live on in the audit trail).
func (u *User) Anonymise(now time.Time, ch kernel.Changes) {
	u.name = "Deleted user"
	u.email = tombstone(u.id)
	u.emailVerifiedAt = time.Time{}
	ch.Set("anonymised", false, true)
	u.SetRole(kernel.RoleUser, now, ch)
	u.SetStatus(StatusDisabled, now, ch)
}

// tombstone is the address a deleted account keeps. No address kernel.ParseEmail accepts
// has this form (its domain has no dot), so it marks the account as deleted.
func tombstone(id uuid.UUID) kernel.Email { return kernel.Email("deleted-" + id.String() + "@invalid") }

// Deleted reports whether the account was deleted: it can be read, never changed again.
func (u *User) Deleted() bool { return u.email == tombstone(u.id) }

func (u *User) touch(now time.Time, ch kernel.Changes) {
	if len(ch) > 0 {
		u.updatedAt = kernel.Timestamp(now)
	}
}
