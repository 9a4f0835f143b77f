package ws

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/http/route"
	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/notification"
	"github.com/keelhq/keel/ports"
)

// Path is where the hub is served.
const Path = "/v1/ws"

// Subprotocol is the protocol a browser offers, with "bearer.<token>", to authenticate.
const Subprotocol = "keel.v1"

// bearerProtocol prefixes the subprotocol that carries the access token.
const bearerProtocol = "bearer."

// The problems of the upgrade request.
var (
	errUpgradeRequired = web.NewError(http.StatusUpgradeRequired, "upgrade_required")
	errOrigin          = web.NewError(http.StatusForbidden, "origin_not_allowed")
	errTooMany         = web.NewError(http.StatusTooManyRequests, "too_many_connections")
	errUnauthenticated = web.NewError(http.StatusUnauthorized, "unauthenticated")
	errStopping        = web.NewError(http.StatusServiceUnavailable, "service_unavailable")
)

// actorKey holds the authenticated actor between the checks and the upgrade.
const actorKey = "ws.actor"

// Route is GET /v1/ws, for the document and the mounter: every check happens before the
// upgrade, so a refused client gets a problem+json answer, never a socket.
func (h *Hub) Route() route.Route {
	upgrade := websocket.New(h.serve, websocket.Config{
		Subprotocols:    []string{Subprotocol},
		ReadBufferSize:  1024,
		WriteBufferSize: 1024,
		WriteBufferPool: writePool,
	})
	return route.Raw[route.NoContent](route.Route{
		Method: http.MethodGet, Path: Path, ID: "ws.connect", Tags: []string{"Realtime"},
		Access: route.SignedIn, Authenticates: true, Status: http.StatusSwitchingProtocols,
		Summary:     "Open the WebSocket event stream",
		Description: description,
		Problems:    []error{errUpgradeRequired, errOrigin, errTooMany},
	}, "", func(c *fiber.Ctx) error {
		if err := h.check(c); err != nil {
			return err
		}
		err := upgrade(c)
		if err != nil || c.Response().StatusCode() != http.StatusSwitchingProtocols {
			// No connection will be served: give back the slot check reserved.
			actor, _ := c.Locals(actorKey).(ports.Actor)
			h.mu.Lock()
			h.release(actor.UserID)
			h.mu.Unlock()
		}
		return err
	})
}

// check applies everything that must hold before the upgrade.
func (h *Hub) check(c *fiber.Ctx) error {
	if !websocket.IsWebSocketUpgrade(c) || !validKey(c.Get(fiber.HeaderSecWebSocketKey)) {
		return errUpgradeRequired
	}
	if origin := c.Get(fiber.HeaderOrigin); origin != "" && !h.opts.Origins.Allowed(origin) {
		return errOrigin
	}
	token, ok := bearer(c)
	if !ok {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="keel"`)
		return errUnauthenticated
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), h.opts.RequestTimeout)
	defer cancel()
	claims, err := h.auth.Authenticate(ctx, token)
	if err != nil {
		if _, domainErr := kernel.AsError(err); domainErr {
			c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="keel"`)
			return errUnauthenticated
		}
		return err
	}
	h.mu.Lock()
	stopping := h.stopping
	reserved := !stopping && h.reserve(claims.UserID, time.Now())
	h.mu.Unlock()
	if stopping {
		return errStopping
	}
	if !reserved {
		return errTooMany
	}
	actor := ports.Actor{UserID: claims.UserID, SessionID: claims.SessionID, Role: claims.Role}
	c.Locals(actorKey, actor)
	if !web.LangExplicit(c) && claims.Locale != "" {
		c.Locals("ws.lang", string(claims.Locale))
	} else {
		c.Locals("ws.lang", web.Localizer(c).Lang())
	}
	return nil
}

// validKey reports whether a Sec-WebSocket-Key is the base64 of 16 bytes (RFC 6455, 4.2.1);
// the upgrader only checks that one is present.
func validKey(key string) bool {
	b, err := base64.StdEncoding.DecodeString(key)
	return err == nil && len(b) == 16
}

// bearer finds the access token: the Authorization header, ?access_token=, or the
// subprotocol "bearer.<token>" offered together with keel.v1. A request must use exactly
// one of them, once (RFC 6750, 2): the server never picks one of several tokens.
func bearer(c *fiber.Ctx) (string, bool) {
	var tokens []string
	if v := c.Get(fiber.HeaderAuthorization); v != "" {
		tok, ok := web.BearerToken(v)
		if !ok {
			return "", false
		}
		tokens = append(tokens, tok)
	}
	if tok := c.Query("access_token"); tok != "" {
		tokens = append(tokens, tok)
	}
	keel, viaProtocol := false, false
	for p := range strings.SplitSeq(c.Get(fiber.HeaderSecWebSocketProtocol), ",") {
		p = strings.TrimSpace(p)
		switch {
		case p == Subprotocol:
			keel = true
		case strings.HasPrefix(p, bearerProtocol):
			tokens, viaProtocol = append(tokens, p[len(bearerProtocol):]), true
		}
	}
	if len(tokens) != 1 || tokens[0] == "" || viaProtocol && !keel {
		return "", false
	}
	return tokens[0], true
}

// serve runs one upgraded connection for its whole life.
func (h *Hub) serve(ws *websocket.Conn) {
	actor, _ := ws.Locals(actorKey).(ports.Actor)
	lang, _ := ws.Locals("ws.lang").(string)
	c := &conn{
		hub: h, ws: ws, id: uuid.NewString(), actor: actor, loc: h.bundle.Localizer(lang),
		done: make(chan struct{}), wake: make(chan struct{}, 1), topics: map[string]struct{}{},
	}
	if !h.admit(c) {
		c.closeWith(closeGoingAway, "refused")
		close(c.done)
		c.writerOnce()
		return
	}
	defer h.remove(c)
	// The welcome is queued first but written only once the default topics are joined:
	// a client may act as soon as it is welcomed, and an event of that act, routed before
	// its topic existed on this instance, would be lost (the join reads the topic's head
	// from the log, which already holds it).
	c.send(encodeJSON(welcomeFrame{Type: typeWelcome, ConnectionID: c.id, Heartbeat: int(h.opts.Heartbeat.Seconds())}))
	for _, t := range notification.DefaultTopics(actor) {
		h.topics.join(c, t.String(), nil)
	}
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		c.writer()
	}()
	c.reader()
	close(c.done)
	<-writerDone
	h.topics.leaveAll(c)
}
