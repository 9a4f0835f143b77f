// The example: sign in, list every account page by page, open the event stream, send
// yourself a notification and receive it as a typed event. Run against a live api:
//
//   KEEL_URL=http://localhost:8080 KEEL_EMAIL=you@example.com KEEL_PASSWORD=... node dist/example.js
//
// The account must be an administrator (listing users and sending notifications are admin
// routes): `bin/admin create-user --role admin` makes one. Node 22 has WebSocket built in;
// Node 20 needs `node --experimental-websocket`.

import { Keel } from "./client.js";
import { type EventData, openEvents, resource } from "./events.js";

/** timeoutMs bounds the whole example: it exits non-zero rather than hang. */
const timeoutMs = 15_000;

async function main(): Promise<void> {
  const baseUrl = process.env["KEEL_URL"] ?? "http://localhost:8080";
  const email = required("KEEL_EMAIL");
  const password = required("KEEL_PASSWORD");
  const pageSize = Number(process.env["KEEL_PAGE_SIZE"] ?? "20");

  const keel = new Keel(baseUrl);
  const signedIn = await keel.login(email, password);
  const me = signedIn.user;
  if (me === undefined) {
    throw new Error("login answered no user");
  }
  console.log(`signed in as ${me.email} (${me.role}), token valid for ${signedIn.expiresIn} s`);

  let pages = 0;
  let accounts = 0;
  for await (const page of keel.users({ status: "active" }, pageSize)) {
    pages++;
    accounts += page.length;
    for (const u of page) {
      console.log(`  ${u.id} ${u.email} ${u.name} ${u.role} created ${new Date(u.createdAt).toISOString()}`);
    }
  }
  console.log(`listed ${accounts} active accounts in ${pages} pages of at most ${pageSize}`);

  const title = `Hello from the typed client ${Date.now()}`;
  const heard = await new Promise<EventData["notification.created"]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no event within ${timeoutMs} ms`)), timeoutMs);
    const ws = openEvents(baseUrl, keel.token, {
      welcome: (w) => {
        console.log(`websocket open: connection ${w.connectionId}, heartbeat ${w.heartbeat} s`);
        keel.notify(me.id, title, "sent to myself, heard over the WebSocket").catch(reject);
      },
      event: (frame) => {
        if (frame.event !== "notification.created") {
          return;
        }
        const n = resource(frame);
        console.log(`event ${frame.event} on ${frame.topic}, offset ${frame.offset} of epoch ${frame.epoch}`);
        if (n?.title === title) {
          clearTimeout(timer);
          resolve(n);
          ws.close(1000, "done");
        }
      },
      error: (code, message) => console.error(`server error frame ${code}: ${message}`),
      close: (code, reason) => {
        clearTimeout(timer);
        reject(new Error(`websocket closed ${code} ${reason}`));
      },
    });
  });
  console.log(`heard my notification ${heard.id}: ${heard.kind} "${heard.title}", unread: ${heard.readAt === null}`);
}

/** required reads an environment variable the example cannot do without. */
function required(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === "") {
    throw new Error(`${name} is not set`);
  }
  return v;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
