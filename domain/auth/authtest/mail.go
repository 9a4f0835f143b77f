package authtest

import (
	"context"
	"net/url"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/auth"
)

// Status is an auth.SessionStatus answering from States, or the zero (inactive) state for
// an unknown session; with Err set, it fails with Err. Set the fields while no action runs.
type Status struct {
	States map[uuid.UUID]auth.SessionState
	Err    error
}

var _ auth.SessionStatus = (*Status)(nil)

// NewStatus returns a Status that knows no session.
func NewStatus() *Status { return &Status{States: map[uuid.UUID]auth.SessionState{}} }

// SessionState implements auth.SessionStatus.
func (f *Status) SessionState(_ context.Context, id uuid.UUID) (auth.SessionState, error) {
	return f.States[id], f.Err
}

// SentMail is one e-mail Mail was asked to send.
type SentMail struct {
	To, Template, Locale string
	Data                 map[string]string
}

// Mail is an auth.Mail that records what it sends; with Err set, Send fails with it.
type Mail struct {
	Err error

	mu   sync.Mutex
	sent []SentMail
}

var _ auth.Mail = (*Mail)(nil)

// Send implements auth.Mail.
func (m *Mail) Send(_ context.Context, to, template, locale string, data map[string]string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Err != nil {
		return m.Err
	}
	m.sent = append(m.sent, SentMail{to, template, locale, data})
	return nil
}

// Sent returns the e-mails sent, oldest first.
func (m *Mail) Sent() []SentMail {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]SentMail(nil), m.sent...)
}

// LastToken returns the token query parameter of the link in the last e-mail sent, and
// fails the test when there is none.
func (m *Mail) LastToken(t testing.TB) string {
	t.Helper()
	sent := m.Sent()
	if len(sent) == 0 {
		t.Fatal("no e-mail sent")
	}
	link := sent[len(sent)-1].Data["Link"]
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("link %q: %v", link, err)
	}
	tok := u.Query().Get("token")
	if tok == "" {
		t.Fatalf("link %q carries no token", link)
	}
	return tok
}
