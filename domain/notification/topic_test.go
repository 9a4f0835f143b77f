package notification

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/ports"
)

// TestTopicPolicy: an account hears its own topic and broadcast; admin is for
// administrators; another account's topic and malformed names are refused.
func TestTopicPolicy(t *testing.T) {
	me, other := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	user := ports.Actor{UserID: me, SessionID: uuid.Must(uuid.NewV7()), Role: kernel.RoleUser}
	admin := user
	admin.Role = kernel.RoleAdmin
	for _, tc := range []struct {
		actor ports.Actor
		name  string
		want  error
	}{
		{user, "user:" + me.String(), nil},
		{user, "broadcast", nil},
		{user, "admin", ErrTopicForbidden},
		{admin, "admin", nil},
		{user, "user:" + other.String(), ErrTopicForbidden},
		{admin, "user:" + other.String(), ErrTopicForbidden},
		{ports.Actor{}, "broadcast", ErrTopicForbidden},
		{user, "user:" + uuid.Nil.String(), ErrTopicInvalid},
		{user, "user:" + me.String()[:35], ErrTopicInvalid},
		{user, "USER:" + me.String(), ErrTopicInvalid},
		{user, "user:{" + me.String()[:34] + "}", ErrTopicInvalid},
		{user, "Broadcast", ErrTopicInvalid},
		{user, "", ErrTopicInvalid},
	} {
		topic, err := ParseTopic(tc.name)
		if err == nil {
			if topic.String() != tc.name {
				t.Errorf("%q reads back as %q", tc.name, topic)
			}
			err = MaySubscribe(tc.actor, topic)
		}
		if !errors.Is(err, tc.want) {
			t.Errorf("%s on %q: %v, want %v", tc.actor.Role, tc.name, err, tc.want)
		}
	}
	if d := DefaultTopics(user); len(d) != 2 || d[0] != OwnTopic(me) || d[1] != BroadcastTopic {
		t.Errorf("default topics %v", d)
	}
}
