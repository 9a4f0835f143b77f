package user

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/invopop/validation"

	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/ports"
)

// Service holds the user context's actions. Every change runs in one transaction with its
// audit record and event.
type Service struct {
	Repo    Repository
	Access  Access
	Notices Notices
	Tx      ports.Tx
	Audit   ports.AuditTrail
	Events  ports.Events
	Clock   ports.Clock
}

// NewService returns the user context's actions over its ports, refusing a missing one.
func NewService(repo Repository, access Access, notices Notices, tx ports.Tx, trail ports.AuditTrail, events ports.Events, clock ports.Clock) (*Service, error) {
	if repo == nil || access == nil || notices == nil || tx == nil || trail == nil || events == nil || clock == nil {
		return nil, errors.New("user: every port is required")
	}
	return &Service{Repo: repo, Access: access, Notices: notices, Tx: tx, Audit: trail, Events: events, Clock: clock}, nil
}

// Me returns the actor's own account.
func (s *Service) Me(ctx context.Context, actor ports.Actor) (*User, error) {
	if err := selfOnly(actor); err != nil {
		return nil, err
	}
	return s.Repo.Get(ctx, actor.UserID)
}

// Get returns any account, for an administrator.
func (s *Service) Get(ctx context.Context, actor ports.Actor, id uuid.UUID) (*User, error) {
	if err := AdminOnly(actor); err != nil {
		return nil, err
	}
	return s.Repo.Get(ctx, id)
}

// ProfileChange is a user's edit of their own profile; nil fields stay as they are.
type ProfileChange struct {
	Name   *string
	Locale *string
}

// UpdateProfile applies the actor's edit of their own name and locale.
func (s *Service) UpdateProfile(ctx context.Context, actor ports.Actor, in ProfileChange) (*User, error) {
	if err := selfOnly(actor); err != nil {
		return nil, err
	}
	name, locale, err := parseProfile(in.Name, in.Locale)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, actor.UserID, false, func(ctx context.Context, u *User, ch kernel.Changes) error {
		now := s.Clock.Now()
		if name != nil {
			u.Rename(*name, now, ch)
		}
		if locale != nil {
			u.SetLocale(*locale, now, ch)
		}
		if _, changed := ch["locale"]; changed {
			// Every api instance caches the session's locale: have them re-read it.
			return s.Access.SessionsChanged(ctx, u.ID())
		}
		return nil
	})
}

func parseProfile(rawName, rawLocale *string) (*Name, *kernel.Locale, error) {
	var name *Name
	var locale *kernel.Locale
	errs := validation.Errors{}
	if rawName != nil {
		n, err := ParseName(*rawName)
		errs["name"], name = err, &n
	}
	if rawLocale != nil {
		l, err := kernel.ParseLocale(*rawLocale)
		errs["locale"], locale = err, &l
	}
	if err := errs.Filter(); err != nil {
		return nil, nil, err
	}
	return name, locale, nil
}

// AdminChange is an administrator's edit of an account; nil fields stay as they are.
type AdminChange struct {
	Role   *string
	Status *string
	Name   *string
}

// AdminUpdate applies an administrator's edit. Disabling an account revokes its sessions;
// no change may leave the service without an active administrator.
func (s *Service) AdminUpdate(ctx context.Context, actor ports.Actor, id uuid.UUID, in AdminChange) (*User, error) {
	if err := AdminOnly(actor); err != nil {
		return nil, err
	}
	role, status, name, err := parseAdminChange(in)
	if err != nil {
		return nil, err
	}
	// Only a role or status change can remove an administrator: lock the administrators
	// first, in a fixed order, so concurrent demotions serialise instead of deadlocking.
	lockAdmins := role != nil || status != nil
	return s.change(ctx, id, lockAdmins, func(ctx context.Context, u *User, ch kernel.Changes) error {
		now := s.Clock.Now()
		wasAdmin := u.Role() == kernel.RoleAdmin && u.Active()
		if name != nil {
			u.Rename(*name, now, ch)
		}
		if role != nil {
			u.SetRole(*role, now, ch)
		}
		if status != nil {
			u.SetStatus(*status, now, ch)
		}
		if wasAdmin && !(u.Role() == kernel.RoleAdmin && u.Active()) && !s.otherAdmin(ctx, u.ID()) {
			return ErrLastAdmin
		}
		if _, changed := ch["status"]; changed && !u.Active() {
			return s.Access.RevokeSessions(ctx, u.ID(), "account_disabled")
		}
		if _, changed := ch["role"]; changed {
			if err := s.Notices.RoleChanged(ctx, u); err != nil {
				return err
			}
			return s.Access.SessionsChanged(ctx, u.ID())
		}
		return nil
	})
}

func parseAdminChange(in AdminChange) (*kernel.Role, *Status, *Name, error) {
	var role *kernel.Role
	var status *Status
	var name *Name
	errs := validation.Errors{}
	if in.Role != nil {
		r, err := kernel.ParseRole(*in.Role)
		errs["role"], role = err, &r
	}
	if in.Status != nil {
		st, err := ParseStatus(*in.Status)
		errs["status"], status = err, &st
	}
	if in.Name != nil {
		n, err := ParseName(*in.Name)
		errs["name"], name = err, &n
	}
	if err := errs.Filter(); err != nil {
		return nil, nil, nil, err
	}
	return role, status, name, nil
}

type adminsKey struct{}

// otherAdmin reports whether an active administrator other than id remains, among the
// administrators change locked at the start of the transaction.
func (s *Service) otherAdmin(ctx context.Context, id uuid.UUID) bool {
	admins, _ := ctx.Value(adminsKey{}).([]uuid.UUID)
	return slices.ContainsFunc(admins, func(a uuid.UUID) bool { return a != id })
}

// Delete anonymises and disables the account and erases its credentials and sessions;
// its audit trail stays. Administrators only.
func (s *Service) Delete(ctx context.Context, actor ports.Actor, id uuid.UUID) error {
	if err := AdminOnly(actor); err != nil {
		return err
	}
	_, err := s.change(ctx, id, true, func(ctx context.Context, u *User, ch kernel.Changes) error {
		if u.Role() == kernel.RoleAdmin && u.Active() && !s.otherAdmin(ctx, u.ID()) {
			return ErrLastAdmin
		}
		u.Anonymise(s.Clock.Now(), ch)
		return s.Access.EraseCredentials(ctx, u.ID())
	}, EventDeleted)
	return err
}

// ParseFilter reads an administrator's search of the accounts: q is a prefix of the
// e-mail address or of the name; an empty role or status does not filter. Every invalid
// field is reported at once.
func ParseFilter(q, role, status string) (Filter, error) {
	f := Filter{Q: strings.TrimSpace(q)}
	errs := validation.Errors{}
	if role != "" {
		f.Role, errs["role"] = kernel.ParseRole(role)
	}
	if status != "" {
		f.Status, errs["status"] = ParseStatus(status)
	}
	return f, errs.Filter()
}

// List returns one page of the accounts matching f, and whether more follow.
// Administrators only.
func (s *Service) List(ctx context.Context, actor ports.Actor, f Filter, page kernel.Page) ([]*User, bool, error) {
	if err := AdminOnly(actor); err != nil {
		return nil, false, err
	}
	users, err := s.Repo.List(ctx, f, page)
	if err != nil {
		return nil, false, err
	}
	users, more := kernel.Trim(users, page)
	return users, more, nil
}

// change loads the user for update, applies fn, and stores the result with its audit
// record and event, all in one transaction. Nothing is written when nothing changed; a
// deleted account is not found.
// With lockAdmins, the active administrators are locked first (see otherAdmin).
func (s *Service) change(ctx context.Context, id uuid.UUID, lockAdmins bool, fn func(context.Context, *User, kernel.Changes) error, event ...string) (*User, error) {
	var out *User
	err := s.Tx.Do(ctx, func(ctx context.Context) error {
		if lockAdmins {
			admins, err := s.Repo.LockActiveAdmins(ctx)
			if err != nil {
				return err
			}
			ctx = context.WithValue(ctx, adminsKey{}, admins)
		}
		u, err := s.Repo.GetForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if u.Deleted() {
			return ErrNotFound // a deleted account is never changed, nor deleted again
		}
		ch := kernel.Changes{}
		if err := fn(ctx, u, ch); err != nil {
			return err
		}
		out = u
		if len(ch) == 0 {
			return nil
		}
		if err := s.Repo.Update(ctx, u); err != nil {
			return err
		}
		name := EventUpdated
		if len(event) > 0 {
			name = event[0]
		}
		return s.record(ctx, u, name, ch)
	})
	if err != nil {
		return nil, fmt.Errorf("change user %s: %w", id, err)
	}
	return out, nil
}

// record writes the audit row and the event of a change to u.
func (s *Service) record(ctx context.Context, u *User, event string, ch kernel.Changes) error {
	if err := s.Audit.Record(ctx, ports.AuditRecord{
		Action: event, Entity: "user", EntityID: u.ID().String(), Changes: ch,
	}); err != nil {
		return err
	}
	return s.Events.Publish(ctx, Event{Name: event, User: u.Record()})
}

// Register stores a new account with its audit record and event; the caller provides the
// transaction (registration also creates credentials and a session in the auth context).
func (s *Service) Register(ctx context.Context, u *User) error {
	if err := s.Repo.Create(ctx, u); err != nil {
		return err
	}
	ch := kernel.Changes{}
	rec := u.Record()
	ch.Set("email", nil, rec.Email)
	ch.Set("name", nil, rec.Name)
	ch.Set("role", nil, rec.Role)
	ch.Set("locale", nil, rec.Locale)
	if err := s.Audit.Record(ctx, ports.AuditRecord{
		Action: EventRegistered, Entity: "user", EntityID: u.ID().String(), Changes: ch, ActorID: u.ID(),
	}); err != nil {
		return err
	}
	return s.Events.Publish(ctx, Event{Name: EventRegistered, User: rec})
}

// VerifyEmail marks the user's address as confirmed.
func (s *Service) VerifyEmail(ctx context.Context, id uuid.UUID) error {
	_, err := s.change(ctx, id, false, func(ctx context.Context, u *User, ch kernel.Changes) error {
		u.VerifyEmail(s.Clock.Now(), ch)
		return nil
	})
	return err
}
