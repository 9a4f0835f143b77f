package authtest

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/auth"
)

// SeenKey names one device of one account in SignIns.
type SeenKey struct {
	UserID uuid.UUID
	Device auth.Device
}

// SignIns is an in-memory auth.SignIns and a participant of memory.Tx. Seen maps each
// device of each account to when it was last seen.
type SignIns struct {
	Seen map[SeenKey]time.Time
	mu   sync.Mutex
}

var _ auth.SignIns = (*SignIns)(nil)

// NewSignIns returns an empty history.
func NewSignIns() *SignIns { return &SignIns{Seen: map[SeenKey]time.Time{}} }

// Snapshot implements memory.Participant.
func (s *SignIns) Snapshot() (restore func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	saved := maps.Clone(s.Seen)
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.Seen = saved
	}
}

// Record implements auth.SignIns.
func (s *SignIns) Record(_ context.Context, userID uuid.UUID, d auth.Device, now, since time.Time) (bool, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	first := true
	for k := range s.Seen {
		if k.UserID == userID {
			first = false
		}
	}
	key := SeenKey{userID, d}
	last, ok := s.Seen[key]
	known := ok && !last.Before(since)
	if !ok || last.Before(now) {
		s.Seen[key] = now
	}
	return known, first, nil
}

// Prune implements auth.SignIns.
func (s *SignIns) Prune(_ context.Context, before time.Time, limit int) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	newest := map[uuid.UUID]SeenKey{}
	for k, at := range s.Seen {
		if n, ok := newest[k.UserID]; !ok || at.After(s.Seen[n]) {
			newest[k.UserID] = k
		}
	}
	var due []SeenKey
	for k, at := range s.Seen {
		if at.Before(before) && newest[k.UserID] != k {
			due = append(due, k)
		}
	}
	slices.SortFunc(due, func(a, b SeenKey) int { return s.Seen[a].Compare(s.Seen[b]) })
	due = due[:min(len(due), limit)]
	for _, k := range due {
		delete(s.Seen, k)
	}
	return int64(len(due)), nil
}

// Notice is one notice a Notices recorded.
type Notice struct {
	// Kind is "new_sign_in" or "password_changed".
	Kind    string
	Account auth.Account
	Device  auth.Device
}

// Notices is an auth.Notices that records the notices, and a participant of memory.Tx.
type Notices struct {
	mu   sync.Mutex
	sent []Notice
}

var _ auth.Notices = (*Notices)(nil)

// Snapshot implements memory.Participant.
func (n *Notices) Snapshot() (restore func()) {
	n.mu.Lock()
	defer n.mu.Unlock()
	k := len(n.sent)
	return func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		n.sent = n.sent[:min(k, len(n.sent))]
	}
}

// NewSignIn implements auth.Notices.
func (n *Notices) NewSignIn(_ context.Context, acc auth.Account, d auth.Device) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, Notice{Kind: "new_sign_in", Account: acc, Device: d})
	return nil
}

// PasswordChanged implements auth.Notices.
func (n *Notices) PasswordChanged(_ context.Context, acc auth.Account) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, Notice{Kind: "password_changed", Account: acc})
	return nil
}

// Sent returns the notices recorded, oldest first.
func (n *Notices) Sent() []Notice {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.sent)
}
