// Package notices joins the notification context with the contexts whose changes it
// tells accounts about: the notifications the service sends itself (a sign-in from a new
// device, a password change, a role change), rendered in the recipient's language when
// they are created and stored in the transaction of the change; and the anti-corruption
// layer through which the notification context learns which accounts exist. (The purge
// of read notifications and old sign-in history are cron actions that call the services
// directly.)
package notices

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/notification"
	"github.com/keelhq/keel/domain/user"
)

// Texts renders the title and body of the service's own notifications of a kind in a
// language, filling in data.
type Texts interface {
	Render(kind notification.Kind, locale kernel.Locale, data map[string]string) (title, body string, err error)
}

// ErrUnknownKind is returned by Texts for a kind it has no text for.
var ErrUnknownKind = errors.New("no text for this notification kind")

// Notifier sends the service's own notifications. It implements auth.Notices and
// user.Notices; each call joins the caller's transaction.
type Notifier struct {
	Notifications *notification.Service
	Texts         Texts
}

var (
	_ auth.Notices = (*Notifier)(nil)
	_ user.Notices = (*Notifier)(nil)
)

// NewSignIn implements auth.Notices: security.new_sign_in, with the device in its data.
func (n *Notifier) NewSignIn(ctx context.Context, acc auth.Account, d auth.Device) error {
	ua := d.UserAgent
	if ua == "" {
		ua = "?"
	}
	ip := d.IP
	if ip == "" {
		ip = "?"
	}
	return n.send(ctx, acc.ID, acc.Locale, notification.KindNewSignIn,
		map[string]string{"UserAgent": ua, "IP": ip},
		map[string]any{"userAgent": d.UserAgent, "ip": d.IP})
}

// PasswordChanged implements auth.Notices: security.password_changed.
func (n *Notifier) PasswordChanged(ctx context.Context, acc auth.Account) error {
	return n.send(ctx, acc.ID, acc.Locale, notification.KindPasswordChanged, nil, nil)
}

// RoleChanged implements user.Notices: account.role_changed, with the new role in its data.
func (n *Notifier) RoleChanged(ctx context.Context, u *user.User) error {
	role := string(u.Role())
	return n.send(ctx, u.ID(), u.Locale(), notification.KindRoleChanged,
		map[string]string{"Role": role}, map[string]any{"role": role})
}

// send renders kind in locale and stores it for the account.
func (n *Notifier) send(ctx context.Context, to uuid.UUID, locale kernel.Locale, kind notification.Kind, text map[string]string, data map[string]any) error {
	if locale == "" {
		locale = kernel.DefaultLocale
	}
	title, body, err := n.Texts.Render(kind, locale, text)
	if err != nil {
		return fmt.Errorf("render %s: %w", kind, err)
	}
	_, err = n.Notifications.Send(ctx, notification.User(to), kind, title, body, data)
	return err
}

// Recipients implements notification.Recipients over the user context's repository: an
// account exists until it is deleted (anonymised).
type Recipients struct {
	Repo user.Repository
}

var _ notification.Recipients = (*Recipients)(nil)

// Exists reports whether the account may receive notifications.
func (r *Recipients) Exists(ctx context.Context, id uuid.UUID) (bool, error) {
	u, err := r.Repo.Get(ctx, id)
	if errors.Is(err, user.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return !u.Deleted(), nil
}
