// The WebSocket protocol of GET /v1/ws (README "Real-time events", API.md "WebSocket"). The
// frames are documented in prose in /openapi.json, so their envelope is written here; the
// data each event carries is the REST resource, typed from the generated schema, so a change
// of a resource's fields reaches this code through the compiler.

import type { components } from "./schema.js";

type Schemas = components["schemas"];

/**
 * EventData maps each event name to its data: the resource exactly as the REST API returns
 * it, or only its id when the resource is over 4 KiB.
 */
export interface EventData {
  "user.registered": Schemas["User"];
  "user.updated": Schemas["User"];
  "user.deleted": Schemas["User"];
  "session.revoked": Schemas["AuthSession"];
  "notification.created": Schemas["Notification"];
}

/** EventName is the name of an event a client may hear. */
export type EventName = keyof EventData;

/** EventFrame is one event of a topic; offsets grow by exactly 1 within an epoch. */
export type EventFrame = {
  [N in EventName]: {
    type: "event";
    topic: string;
    epoch: string;
    offset: number;
    event: N;
    id: string;
    data: EventData[N] | { id: string };
    ts: string;
  };
}[EventName];

/** ServerFrame is every frame the server sends. */
export type ServerFrame =
  | { type: "welcome"; connectionId: string; heartbeat: number }
  | EventFrame
  | { type: "reset"; topic: string }
  | { type: "pong" }
  | { type: "error"; code: string; message: string };

/** Position is where a client left a topic: the last offset it saw in an epoch. */
export type Position = { epoch: string; offset: number };

/** ClientFrame is every frame a client may send. */
export type ClientFrame =
  | { type: "subscribe"; topics: string[]; since?: Record<string, Position> }
  | { type: "unsubscribe"; topics: string[] }
  | { type: "ping" };

/** Subprotocol is the protocol the server selects; browsers offer the token beside it. */
export const Subprotocol = "keel.v1";

/** Handlers receive the frames of one connection. */
export interface Handlers {
  welcome?(frame: Extract<ServerFrame, { type: "welcome" }>): void;
  event?(frame: EventFrame): void;
  reset?(topic: string): void;
  error?(code: string, message: string): void;
  close?(code: number, reason: string): void;
}

/**
 * openEvents connects to GET /v1/ws the way a browser must: the subprotocols keel.v1 and
 * bearer.<token> together (the server selects keel.v1 and never echoes the token).
 */
export function openEvents(baseUrl: string, token: string, on: Handlers): WebSocket {
  const url = new URL("/v1/ws", baseUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(url, [Subprotocol, `bearer.${token}`]);
  ws.addEventListener("message", (msg: MessageEvent) => {
    const frame = JSON.parse(String(msg.data)) as ServerFrame;
    switch (frame.type) {
      case "welcome":
        on.welcome?.(frame);
        break;
      case "event":
        on.event?.(frame);
        break;
      case "reset":
        on.reset?.(frame.topic);
        break;
      case "error":
        on.error?.(frame.code, frame.message);
        break;
      case "pong":
        break;
    }
  });
  ws.addEventListener("close", (e: CloseEvent) => on.close?.(e.code, e.reason));
  return ws;
}

/** send writes one client frame. */
export function send(ws: WebSocket, frame: ClientFrame): void {
  ws.send(JSON.stringify(frame));
}

/**
 * resource is an event's data when it is the whole resource, or undefined when the server
 * sent only {id} (a resource over 4 KiB): then refetch it over REST.
 */
export function resource<F extends EventFrame>(frame: F): EventData[F["event"]] | undefined {
  const keys = Object.keys(frame.data);
  return keys.length === 1 && keys[0] === "id" ? undefined : (frame.data as EventData[F["event"]]);
}
