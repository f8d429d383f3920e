// Test support: a WebSub hub's publish endpoint on loopback, protocol-exact for what a publisher
// sends (W3C WebSub §7 leaves publisher→hub to the hub; this follows PubSubHubbub 0.4 / the hubs
// in use): a POST with `Content-Type: application/x-www-form-urlencoded` whose body has
// `hub.mode=publish` and the topic as `hub.url` (or `hub.topic`), an absolute http(s) URL. A good
// ping is answered 204 (or 202); anything else 400 (wrong mode, no topic, another media type) or
// 405 (another method), and recorded as refused, so a test sees a malformed ping. What the hub
// does with a good ping is scripted per test: accept, fail with 500 a given number of times, or
// hang (never answer, until the hub closes).
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the hub received, in arrival order. */
export interface ReceivedPing {
  /** The topic (hub.url, else hub.topic); undefined when the request was refused. */
  topic: string | undefined;
  /** Every form field as sent (repeated keys kept). */
  fields: [string, string][];
  contentType: string | undefined;
  method: string;
  /** What the hub answered (undefined while it hangs). */
  status: number | undefined;
  /** Date.now() at arrival (for lower-bound checks of backoff only). */
  at: number;
  /** Why it was refused, when it was. */
  refused?: string;
}

/** What the hub does with a well-formed ping. */
export type HubBehaviour = { kind: 'accept'; status?: 204 | 202 } | { kind: 'fail'; times: number } | { kind: 'hang' };

/** A running test hub. */
export interface TestHub {
  /** The hub URL to configure (`http://127.0.0.1:<port>/hub`). */
  url: string;
  received: ReceivedPing[];
  /** Good pings by topic. */
  topics(): string[];
  /** Requests received and not answered yet (the hanging ones). */
  open(): number;
  /** Emits `ping` (ReceivedPing) on each arrival. */
  events: EventEmitter;
  behave(b: HubBehaviour): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Starts a hub on 127.0.0.1 (a free port); `behaviour` defaults to accepting with 204. */
export async function startTestHub(behaviour: HubBehaviour = { kind: 'accept' }): Promise<TestHub> {
  let current = behaviour;
  /** How many good pings of each topic were failed so far (for `fail`). */
  const failedSoFar = new Map<string, number>();
  const received: ReceivedPing[] = [];
  const hanging = new Set<ServerResponse>();
  const events = new EventEmitter();
  const answer = (res: ServerResponse, ping: ReceivedPing, status: number) => {
    ping.status = status;
    res.writeHead(status, status >= 400 ? { 'Content-Type': 'text/plain' } : {});
    res.end(status >= 400 ? `${ping.refused ?? 'failed'}\n` : undefined);
  };
  const server: Server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const contentType = req.headers['content-type'];
      const params = new URLSearchParams(body);
      const topic = params.get('hub.url') ?? params.get('hub.topic') ?? undefined;
      const ping: ReceivedPing = { topic: undefined, fields: [...params], contentType, method: req.method ?? '', status: undefined, at: Date.now() };
      received.push(ping);
      if (req.method !== 'POST') ping.refused = 'method';
      else if (contentType?.split(';')[0]?.trim().toLowerCase() !== 'application/x-www-form-urlencoded') ping.refused = 'content type';
      else if (params.get('hub.mode') !== 'publish') ping.refused = 'hub.mode';
      else if (topic === undefined || !/^https?:\/\/[^/]+/.test(topic)) ping.refused = 'topic';
      events.emit('ping', ping);
      if (ping.refused !== undefined) return answer(res, ping, ping.refused === 'method' ? 405 : 400);
      ping.topic = topic;
      if (current.kind === 'hang') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return undefined;
      }
      if (current.kind === 'fail') {
        const n = failedSoFar.get(topic as string) ?? 0;
        if (n < current.times) {
          failedSoFar.set(topic as string, n + 1);
          return answer(res, ping, 500);
        }
      }
      return answer(res, ping, current.kind === 'accept' ? current.status ?? 204 : 204);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hub`,
    received,
    topics: () => received.filter((p) => p.topic !== undefined).map((p) => p.topic as string),
    open: () => hanging.size,
    events,
    behave(b) {
      current = b;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
