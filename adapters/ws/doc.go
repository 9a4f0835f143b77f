package ws

import (
	"sync"

	fws "github.com/fasthttp/websocket"
)

// writePool shares write buffers between connections: most are idle most of the time.
var writePool fws.BufferPool = &sync.Pool{}

// description documents the protocol in the OpenAPI document.
const description = "Upgrades to a WebSocket (101 Switching Protocols) that carries events of the topics the caller may hear.\n\n" +
	"**Authentication, before the upgrade** (else 401 problem+json): `Authorization: Bearer <access token>`, or " +
	"`?access_token=<token>`, or the subprotocols `keel.v1` and `bearer.<token>` offered together " +
	"(`Sec-WebSocket-Protocol: keel.v1, bearer.<token>`, as a browser must): the server selects `keel.v1` and never echoes the token. " +
	"Exactly one of these, with one token: a request that offers several tokens gets 401. " +
	"When an `Origin` header is present it must be one of `WS_ALLOWED_ORIGINS` (else 403 `origin_not_allowed`). " +
	"An account may hold `WS_MAX_CONNS_PER_USER` connections per instance (else 429 `too_many_connections`). " +
	"A request that is not a WebSocket upgrade gets 426 `upgrade_required`.\n\n" +
	"**Frames** are JSON objects with a `type`. Server to client: " +
	"`{\"type\":\"welcome\",\"connectionId\":\"...\",\"heartbeat\":25}`; " +
	"`{\"type\":\"event\",\"topic\":\"user:<id>\",\"epoch\":\"...\",\"offset\":42,\"event\":\"notification.created\",\"id\":\"<event id>\",\"data\":{...},\"ts\":\"...\"}` " +
	"(offsets grow by exactly 1 per topic within an epoch; `data` is the REST resource, or `{id}` when over 4 KiB); " +
	"`{\"type\":\"reset\",\"topic\":\"...\"}` (what was missed cannot be replayed: refetch over REST); `{\"type\":\"pong\"}`; " +
	"`{\"type\":\"error\",\"code\":\"...\",\"message\":\"...\"}` (localized; codes `invalid_frame`, `unknown_frame_type`, `invalid_topic`). " +
	"Client to server: `{\"type\":\"subscribe\",\"topics\":[...],\"since\":{\"<topic>\":{\"epoch\":\"...\",\"offset\":41}}}`, " +
	"`{\"type\":\"unsubscribe\",\"topics\":[...]}`, `{\"type\":\"ping\"}`.\n\n" +
	"**Topics**: every connection hears `user:<own id>` and `broadcast` from the start; administrators may subscribe to `admin`. " +
	"With `since`, missed events are replayed from the durable log in order before live ones (at most `WS_REPLAY_MAX`), or `reset` is sent.\n\n" +
	"**Heartbeat**: the server pings every `heartbeat` seconds; a client silent for two intervals is dropped.\n\n" +
	"**Close codes**: 4401 session revoked (logout, password change, account disabled; on every instance within seconds), " +
	"4403 topic not allowed, 4408 slow consumer (its send queue exceeded `WS_SEND_QUEUE_BYTES`), 1001 server going away, 1009 frame too big (`WS_MAX_FRAME_BYTES`), " +
	"1008 too many frames (a client may send `WS_CLIENT_FRAME_RATE` frames per second, in bursts of twice that), " +
	"1007 a text frame that is not UTF-8."
