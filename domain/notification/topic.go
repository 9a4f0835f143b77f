// Package notification is the notification context: what accounts are told, and on which
// event topics they hear it. This file holds the topics and who may subscribe to them.
package notification

import (
	"strings"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/ports"
)

// The topic errors, each with its own public code.
var (
	// ErrTopicInvalid: the name is none of the topic shapes.
	ErrTopicInvalid = kernel.NewError(kernel.KindInvalid, "invalid_topic")
	// ErrTopicForbidden: the actor may not subscribe to the topic.
	ErrTopicForbidden = kernel.NewError(kernel.KindForbidden, "topic_not_allowed")
)

// topicKind tells the three shapes of topic apart.
type topicKind uint8

const (
	kindUser topicKind = iota + 1
	kindBroadcast
	kindAdmin
)

// Topic is an event topic: one account's own stream ("user:<id>"), notifications to
// everyone ("broadcast") or events for administrators ("admin"). The zero Topic is none.
type Topic struct {
	kind topicKind
	user uuid.UUID
}

// The topics that are not an account's own.
var (
	// BroadcastTopic is "broadcast", heard by every signed-in account.
	BroadcastTopic = Topic{kind: kindBroadcast}
	// AdminTopic is "admin", heard by administrators only.
	AdminTopic = Topic{kind: kindAdmin}
)

// OwnTopic is the topic of the account id ("user:<id>").
func OwnTopic(id uuid.UUID) Topic { return Topic{kind: kindUser, user: id} }

// ParseTopic reads a topic's name; the account id must be the hyphenated UUID.
func ParseTopic(name string) (Topic, error) {
	switch name {
	case "broadcast":
		return BroadcastTopic, nil
	case "admin":
		return AdminTopic, nil
	}
	raw, ok := strings.CutPrefix(name, "user:")
	if !ok || len(raw) != 36 {
		return Topic{}, ErrTopicInvalid
	}
	id, err := uuid.Parse(raw)
	if err != nil || id == uuid.Nil || id.String() != strings.ToLower(raw) {
		return Topic{}, ErrTopicInvalid
	}
	return OwnTopic(id), nil
}

// String is the topic's name.
func (t Topic) String() string {
	switch t.kind {
	case kindUser:
		return kernel.UserTopic(t.user)
	case kindBroadcast:
		return "broadcast"
	case kindAdmin:
		return "admin"
	}
	return ""
}

// DefaultTopics are the topics every connection of actor hears without asking: its own
// and "broadcast".
func DefaultTopics(actor ports.Actor) []Topic {
	return []Topic{OwnTopic(actor.UserID), BroadcastTopic}
}

// MaySubscribe is the subscription policy: a signed-in account may hear its own topic and
// "broadcast"; only administrators may hear "admin"; no one hears another account's topic.
func MaySubscribe(actor ports.Actor, t Topic) error {
	if actor.UserID == uuid.Nil || actor.SessionID == uuid.Nil {
		return ErrTopicForbidden
	}
	switch t.kind {
	case kindUser:
		if t.user == actor.UserID {
			return nil
		}
	case kindBroadcast:
		return nil
	case kindAdmin:
		if actor.IsAdmin() {
			return nil
		}
	}
	return ErrTopicForbidden
}
