// Test support for the built-in hub (issue 14): a real subscriber listening on loopback that
// answers verification GETs (W3C WebSub §5.3) and records deliveries (§7).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a test subscriber does with a verification GET or a delivery, per callback path. */
export interface Behaviour {
  /** Verification: echo the challenge (default), echo something else, or redirect to /echo. */
  verify?: 'echo' | 'wrong' | 'redirect';
  /** Statuses to answer deliveries with, in turn (the last repeats); default 204. */
  deliveries?: number[];
}

/** One request the subscriber received. */
export interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A WebSub subscriber on 127.0.0.1 (a real node:http server): records every request, answers as its callback path's behaviour says. */
export async function startSubscriber(): Promise<{ server: Server; base: string; seen: Seen[]; behave: Map<string, Behaviour>; of(path: string, method: string): Seen[] }> {
  const seen: Seen[] = [];
  const behave = new Map<string, Behaviour>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const entry = { method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks) };
      seen.push(entry);
      const b = behave.get(url.pathname) ?? {};
      if (req.method === 'GET') {
        const challenge = url.searchParams.get('hub.challenge') ?? '';
        if (b.verify === 'redirect') res.writeHead(302, { Location: `/echo?${url.searchParams.toString()}` }).end();
        else if (b.verify === 'wrong') res.writeHead(200).end('not the challenge');
        else res.writeHead(200, { 'Content-Type': 'text/plain' }).end(challenge);
        return;
      }
      const statuses = b.deliveries ?? [204];
      const n = seen.filter((s) => s.path === url.pathname && s.method === 'POST').length;
      res.writeHead(statuses[Math.min(n, statuses.length) - 1] ?? 204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, base, seen, behave, of: (path, method) => seen.filter((s) => s.path === path && s.method === method) };
}
