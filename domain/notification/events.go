package notification

import "github.com/keelhq/keel/domain/kernel"

// Event names emitted by the notification context.
const (
	EventCreated = "notification.created"
)

// TopicFor is the topic a notification for r is delivered on: the account's own topic,
// or BroadcastTopic (a broadcast is delivered once, to every subscriber of that topic).
func TopicFor(r Recipient) string {
	if r.Broadcast() {
		return BroadcastTopic.String()
	}
	return kernel.UserTopic(r.UserID())
}

// Event is a new notification, for the subscribers of its recipient's topic.
type Event struct {
	// Notification is the notification's state (its readers have not read it yet).
	Notification Record
}

// EventName implements ports.Event.
func (e Event) EventName() string { return EventCreated }

// EventTopic implements ports.Event: the recipient's topic (see TopicFor).
func (e Event) EventTopic() string { return TopicFor(Recipient{user: e.Notification.UserID}) }
