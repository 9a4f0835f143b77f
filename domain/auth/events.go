package auth

import "github.com/keelhq/keel/domain/kernel"

// Event names emitted by the auth context.
const (
	EventSessionRevoked = "session.revoked"
)

// Event is a change to a session, for the subscribers of its account's topic: which
// change, and the session's state after it.
type Event struct {
	// Name is EventSessionRevoked.
	Name string
	// Session is the session's state after the change.
	Session SessionRecord
}

// EventName implements ports.Event.
func (e Event) EventName() string { return e.Name }

// EventTopic implements ports.Event: the topic of the session's account.
func (e Event) EventTopic() string { return kernel.UserTopic(e.Session.UserID) }
