package ws

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/redis/fanout"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/notification"
)

// recheckTimeout bounds one session check.
const recheckTimeout = 2 * time.Second

// SessionsChanged tells the hub that the sessions ids changed on some instance (nil: any
// session may have changed): each local connection of those sessions is checked again,
// closed with 4401 when its session ended, and loses "admin" when its account did. It is
// quick, and meant for sessions.Cache.Watch.
func (h *Hub) SessionsChanged(ids []uuid.UUID) {
	select {
	case h.rechecks <- ids:
	default: // the loop is busy: check everything once it gets to it
		select {
		case h.rechecks <- nil:
		default:
		}
	}
}

// recheckLoop checks sessions as SessionsChanged asks, until Shutdown.
func (h *Hub) recheckLoop() {
	defer h.bg.Done()
	for {
		select {
		case <-h.stop:
			return
		case ids := <-h.rechecks:
			if ids == nil {
				ids = h.sessionIDs()
			}
			for _, id := range ids {
				h.recheck(id)
			}
		}
	}
}

// sessionIDs lists the sessions with local connections.
func (h *Hub) sessionIDs() []uuid.UUID {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]uuid.UUID, 0, len(h.bySession))
	for id := range h.bySession {
		out = append(out, id)
	}
	return out
}

// connsOf lists the local connections of a session.
func (h *Hub) connsOf(id uuid.UUID) []*conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.bySession[id]
	out := make([]*conn, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	return out
}

// recheck asks for the session's state and applies it to its connections.
func (h *Hub) recheck(id uuid.UUID) {
	conns := h.connsOf(id)
	if len(conns) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), recheckTimeout)
	st, err := h.sessions.SessionState(ctx, id)
	cancel()
	if err != nil {
		return // unknown: the session.revoked event or the next change decides
	}
	for _, c := range conns {
		if !st.Active || st.UserID != c.actor.UserID {
			c.closeWith(closeUnauthenticated, "session revoked")
			continue
		}
		c.amu.Lock()
		c.actor.Role = st.Role
		actor := c.actor
		c.amu.Unlock()
		if notification.MaySubscribe(actor, notification.AdminTopic) != nil {
			h.topics.leave(c, notification.AdminTopic.String())
		}
	}
}

// revokedSession is the session id in a session.revoked event's data.
func revokedSession(m fanout.Message) (uuid.UUID, bool) {
	if m.Event != auth.EventSessionRevoked {
		return uuid.Nil, false
	}
	var data struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(m.Data, &data) != nil {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(data.ID)
	return id, err == nil
}

// revoke closes the connections of a session that ended with 4401.
func (h *Hub) revoke(id uuid.UUID) {
	for _, c := range h.connsOf(id) {
		c.closeWith(closeUnauthenticated, "session revoked")
	}
}
