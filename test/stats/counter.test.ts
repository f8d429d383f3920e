// The counter and the flusher on their own (issue 12): real requests to a real listening
// node:http server whose listener reports each to the counter, and a real SQLite store — one
// closed under the flusher, so a refused flush keeps its counts for the next.
import { expect } from 'chai';
import { Agent, createServer, request, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReaderCounter, OTHER_PATH, type ReaderCounter } from '../../src/stats/counter.js';
import { createStatsFlusher } from '../../src/stats/flush.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { get, removeDir } from '../support/fixtures.js';

const ORIGINS = ['https://example.org', 'https://mirror.example.net'];
const NOW = Date.UTC(2026, 2, 1, 10, 30);

/** A listening server that answers 200 with `bytes` bytes and tells the counter (origin from the `x-origin` header). */
async function countingServer(counter: ReaderCounter): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const body = Buffer.alloc(Number(req.headers['x-bytes'] ?? 10));
    res.end(body);
    counter.observe(req, { status: Number(req.headers['x-status'] ?? 200), path: (req.url ?? '/').split('?')[0] as string, originIndex: Number(req.headers['x-origin'] ?? 0), coding: 'gzip', bytes: body.length });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('the readers counter and its flusher', () => {
  let server: Server | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await new Promise((r) => server?.close(r) ?? r(undefined));
    if (dir !== undefined) removeDir(dir);
    server = undefined;
    dir = undefined;
  });

  it('counts percent-encoded spellings as the path, per origin, and past the path bound under (other paths)', async () => {
    const counter = createReaderCounter({ origins: ORIGINS, behindProxy: false, clock: () => NOW, maxPaths: 2 });
    let port: number;
    ({ server, port } = await countingServer(counter));
    await get(port, '/rss.xml', { 'x-bytes': '100' });
    await get(port, '/r%73s.xml', { 'x-bytes': '100' });
    await get(port, '/rss.xml', { 'x-bytes': '7', 'x-origin': '1' });
    await get(port, '/atom.xml');
    await get(port, '/feed.json'); // a third path: over the bound
    await get(port, '/x.xml', { 'x-status': '405', 'x-bytes': '0' });
    const batch = counter.drain();
    expect(batch.traffic.map((t) => [t.path, t.origin, t.requests, t.ok, t.bytes])).to.deep.equal([
      ['/rss.xml', ORIGINS[0], 2, 2, 200],
      ['/rss.xml', ORIGINS[1], 1, 1, 7],
      ['/atom.xml', ORIGINS[0], 1, 1, 10],
      [OTHER_PATH, ORIGINS[0], 2, 1, 10],
    ]);
    expect(batch.traffic.every((t) => t.hour === Date.UTC(2026, 2, 1, 10))).to.equal(true);
    // Drained: nothing twice.
    expect(counter.drain()).to.deep.equal({ traffic: [], readers: [], subscribers: [] });
  });

  it('counts an aggregator\'s subscribers once per document, whatever spelling of its path it fetched (review finding)', async () => {
    const counter = createReaderCounter({ origins: ORIGINS, behindProxy: false, clock: () => NOW });
    let port: number;
    ({ server, port } = await countingServer(counter));
    await get(port, '/rss.xml', { 'User-Agent': 'Feedbin feed-id:1 - 89 subscribers' });
    await get(port, '/r%73s.xml', { 'User-Agent': 'Feedbin feed-id:1 - 95 subscribers' });
    await get(port, '/rss%2Exml', { 'User-Agent': 'Feedbin feed-id:1 - 90 subscribers' });
    const batch = counter.drain();
    expect(batch.subscribers.map((s) => [s.path, s.aggregator, s.subscribers])).to.deep.equal([['/rss.xml', 'Feedbin', 95]]);
    expect(batch.traffic.map((t) => [t.path, t.requests])).to.deep.equal([['/rss.xml', 3]]);
  });

  it('remembers at most maxReadersPerDay readers a day; the rest are not counted as new', async () => {
    const counter = createReaderCounter({ origins: ORIGINS, behindProxy: true, clock: () => NOW, maxReadersPerDay: 2 });
    let port: number;
    ({ server, port } = await countingServer(counter));
    for (const address of ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.1']) await get(port, '/rss.xml', { 'User-Agent': 'newsboat/2.34', 'X-Forwarded-For': `${address}, 10.0.0.1` });
    const site = counter.drain().readers.find((r) => r.path === '');
    expect(site).to.deep.equal({ day: '2026-03-01', path: '', family: 'newsboat', requests: 4, readers: 2 });
  });

  it('on one keep-alive connection, counts a reader again when its User-Agent, its forwarded address or the day changes, and each document once', async () => {
    let now = NOW;
    const counter = createReaderCounter({ origins: ORIGINS, behindProxy: true, clock: () => now });
    let port: number;
    ({ server, port } = await countingServer(counter));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    const poll = (path: string, headers: OutgoingHttpHeaders) =>
      new Promise<void>((done, fail) => {
        const req = request({ host: '127.0.0.1', port, path, headers, agent }, (res) => {
          res.resume();
          res.on('end', () => done());
        });
        req.on('socket', (s) => sockets.add(s));
        req.on('error', fail);
        req.end();
      });
    try {
      const a = { 'User-Agent': 'newsboat/2.34', 'X-Forwarded-For': '192.0.2.1' };
      await poll('/rss.xml', a);
      await poll('/atom.xml', a);
      await poll('/rss.xml', { ...a, 'User-Agent': 'newsboat/2.35' }); // another User-Agent: another reader
      await poll('/rss.xml', { ...a, 'X-Forwarded-For': '192.0.2.2' }); // another address behind the proxy: another reader
      await poll('/rss.xml', a); // the first reader and document again: not a new reader
      expect(sockets.size, 'every poll went over one connection').to.equal(1);
      const day1 = counter.drain().readers.filter((r) => r.family === 'newsboat');
      expect(day1.map((r) => [r.path, r.requests, r.readers])).to.deep.equal([
        ['', 5, 3],
        ['/rss.xml', 4, 3],
        ['/atom.xml', 1, 1],
      ]);
      now = NOW + 86_400_000; // the next UTC day, same connection: counted again
      await poll('/rss.xml', a);
      await poll('/rss.xml', a);
      const day2 = counter.drain().readers.filter((r) => r.family === 'newsboat');
      expect(day2.map((r) => [r.day, r.path, r.requests, r.readers])).to.deep.equal([
        ['2026-03-02', '', 2, 1],
        ['2026-03-02', '/rss.xml', 2, 1],
      ]);
    } finally {
      agent.destroy();
    }
  });

  it('puts back the counts of a flush the store refuses, and stores them with the next', async () => {
    dir = mkdtempSync(join(tmpdir(), 'feedwright-counter-'));
    const counter = createReaderCounter({ origins: ORIGINS, behindProxy: false, clock: () => NOW });
    let port: number;
    ({ server, port } = await countingServer(counter));
    await get(port, '/rss.xml', { 'User-Agent': 'Feedbin feed-id:1 - 89 subscribers' });
    const closed = openSqliteStore(join(dir, 'a.db'), { idPrefix: 'tag:x,2026:' });
    await closed.close();
    const refused = createStatsFlusher({ counter, store: closed, intervalMs: 3_600_000 });
    let error: unknown;
    await refused.flush().catch((err: unknown) => (error = err));
    expect((error as { code?: string } | undefined)?.code).to.equal('STORE_QUERY');
    await get(port, '/rss.xml', { 'User-Agent': 'curl/8.5.0' });
    const store = openSqliteStore(join(dir, 'b.db'), { idPrefix: 'tag:x,2026:' });
    try {
      const flusher = createStatsFlusher({ counter, store, intervalMs: 3_600_000 });
      await flusher.stop(); // the last flush
      const traffic = await store.readTraffic(0, Number.MAX_SAFE_INTEGER);
      expect(traffic.reduce((n, t) => n + t.requests, 0)).to.equal(2);
      expect((await store.readSubscriberCounts('2026-03-01', '2026-03-01')).map((s) => [s.aggregator, s.subscribers])).to.deep.equal([['Feedbin', 89]]);
      expect((await store.readReaderCounts('2026-03-01', '2026-03-01')).filter((r) => r.path === '').map((r) => [r.family, r.requests, r.readers])).to.deep.equal([['Feedbin', 1, 0], ['curl', 1, 1]]);
    } finally {
      await store.close();
    }
  });
});
