package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// SignInMemory is how long the devices an account signed in from are remembered: a
// sign-in from a device (user agent and IP) not seen for this long is announced to the
// account. The history outlives the sessions, which are pruned sooner.
const SignInMemory = 90 * 24 * time.Hour

// pruneBatch is how many history rows one PurgeSignInHistory statement removes at most.
const pruneBatch = 500

// Device is what identifies where a sign-in came from: its user agent and IP, as a
// session keeps them.
type Device struct {
	UserAgent string
	IP        string
}

// SignIns keeps the history of the devices each account signed in from.
type SignIns interface {
	// Record notes that the account signed in from d at now, and reports whether d was
	// seen at or after since, and whether this is the account's first sign-in on record.
	Record(ctx context.Context, userID uuid.UUID, d Device, now, since time.Time) (known, first bool, err error)
	// Prune deletes at most limit devices last seen before `before`, but never an
	// account's most recent one (so a returning account is not taken for a new one), and
	// returns how many.
	Prune(ctx context.Context, before time.Time, limit int) (int64, error)
}

// Notices tells an account about security-relevant events, in its own language, in the
// transaction of the change (implemented over the notification context).
type Notices interface {
	// NewSignIn tells acc that it was signed in to from a device not seen lately.
	NewSignIn(ctx context.Context, acc Account, d Device) error
	// PasswordChanged tells acc that its password was changed or reset.
	PasswordChanged(ctx context.Context, acc Account) error
}

// noteSignIn records the session's device in the account's history and, when the account
// signed in before but never from this device in SignInMemory, tells the account. The
// very first sign-in of an account (at registration, or the first one of an account an
// operator created) is no news: it is recorded, not announced.
func (s *Service) noteSignIn(ctx context.Context, acc Account, sess *Session) error {
	now := sess.createdAt
	d := Device{UserAgent: sess.userAgent, IP: sess.ip}
	known, first, err := s.SignIns.Record(ctx, acc.ID, d, now, now.Add(-SignInMemory))
	if err != nil {
		return fmt.Errorf("record sign-in: %w", err)
	}
	if known || first {
		return nil
	}
	return s.Notices.NewSignIn(ctx, acc, d)
}

// PurgeSignInHistory deletes the devices last seen more than SignInMemory ago (keeping
// each account's most recent one), in batches, until none is left or ctx ends. It is
// idempotent, and returns how many it deleted.
func (s *Service) PurgeSignInHistory(ctx context.Context) (int64, error) {
	before := s.Clock.Now().Add(-SignInMemory)
	var total int64
	for {
		n, err := s.SignIns.Prune(ctx, before, pruneBatch)
		total += n
		if err != nil {
			return total, fmt.Errorf("purge sign-in history: %w", err)
		}
		if n < pruneBatch {
			return total, nil
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}
