// What counting costs the fast path (issue 12): the observers `serve` gives the server (the
// metrics and the readers counter, composed as service.ts composes them) called on real
// IncomingMessage objects from one keep-alive connection, in a loop, after a warm-up. The
// figure is CPU nanoseconds per answer on this machine; the serving A/B pairs show the same cost
// end to end.
import { createServer, request, Agent, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMetrics } from '../src/http/metrics.js';
import { composeObservers, type ServedResponse } from '../src/http/served-response.js';
import { createReaderCounter } from '../src/stats/counter.js';

/** Nanoseconds per answer for each observer alone and for the composition `serve` uses. */
export interface ObserverCost {
  metricsNs: number;
  readersNs: number;
  composedNs: number;
}

/** Collects `n` real requests (a feed reader's headers) sent over one keep-alive connection. */
async function realRequests(n: number): Promise<IncomingMessage[]> {
  const held: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    held.push(req);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < n; i += 1) {
    await new Promise<void>((done, fail) => {
      const req = request({ host: '127.0.0.1', port, path: '/rss.xml', agent, headers: { 'user-agent': 'NetNewsWire (RSS Reader; https://netnewswire.com/)', 'accept-encoding': 'gzip', 'if-none-match': '"abc-gz"' } }, (res) => {
        res.resume();
        res.on('end', done);
      });
      req.on('error', fail);
      req.end();
    });
  }
  agent.destroy();
  await new Promise((r) => server.close(r));
  return held;
}

/**
 * Measures the observers' cost: `calls` calls each (default 2,000,000) over 64 real requests in
 * turn, the median of 3 timed rounds after one warm-up round. Returns ns per call.
 */
export async function observerCost(calls = 2_000_000): Promise<ObserverCost> {
  const reqs = await realRequests(64);
  const metrics = createMetrics({ current: () => undefined, processMetrics: false });
  const readers = createReaderCounter({ origins: ['https://example.org'], behindProxy: false });
  const composed = composeObservers([metrics.observe, readers.observe], () => {}) as (req: IncomingMessage, served: ServedResponse) => void;
  const time = (observe: (req: IncomingMessage, served: ServedResponse) => void): number => {
    const rounds: number[] = [];
    for (let round = 0; round < 4; round += 1) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < calls; i += 1) observe(reqs[i & 63] as IncomingMessage, { status: 304, path: '/rss.xml', originIndex: 0, coding: 'gzip', bytes: 0 });
      if (round > 0) rounds.push(Number(process.hrtime.bigint() - t0) / calls);
    }
    rounds.sort((a, b) => a - b);
    return Math.round(rounds[1] as number);
  };
  return { metricsNs: time(metrics.observe), readersNs: time(readers.observe), composedNs: time(composed) };
}
