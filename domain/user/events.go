package user

import "github.com/google/uuid"

// Event names emitted by the user context.
const (
	EventRegistered = "user.registered"
	EventUpdated    = "user.updated"
	EventDeleted    = "user.deleted"
)

// Event is a change to an account, for the subscribers of the account's topic: which
// change, and the account's state after it.
type Event struct {
	// Name is EventRegistered, EventUpdated or EventDeleted.
	Name string
	// User is the account's state after the change.
	User Record
}

// EventName implements ports.Event.
func (e Event) EventName() string { return e.Name }

// EventTopic implements ports.Event: the account's own topic.
func (e Event) EventTopic() string { return Topic(e.User.ID) }

// Topic is the event topic of a user's own stream.
func Topic(id uuid.UUID) string { return "user:" + id.String() }
