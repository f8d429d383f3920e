// Readers counted (issue 12) through the real service: requests with real User-Agent strings to
// a listening server, the counts read back from /stats.json and from the store. The service's
// clock is the test's, so days pass without waiting.
import { expect } from 'chai';
import { statsWindow, type StatsReport } from '../../src/stats/report.js';
import { printStats } from '../../src/stats/stats-command.js';
import { Writable } from 'node:stream';
import { get, HEALTH_TOKEN, makeDataDir, removeDir, sampleSite, startService, type TestService } from '../support/fixtures.js';
import { AGGREGATOR_AGENTS } from './agents.js';

const AUTH = { Authorization: `Bearer ${HEALTH_TOKEN}` };
const NNW = 'NetNewsWire (RSS Reader; https://netnewswire.com/)';
const feedly = (n: number) => `Feedly/1.0 (+http://www.feedly.com/fetcher.html; ${n} subscribers; like FeedFetcher-Google)`;
const at = (iso: string) => Date.parse(iso);

describe('readers counted (issue 12)', function () {
  this.timeout(120_000);
  let now = at('2026-03-01T10:00:00Z');
  let running: TestService | undefined;
  let dir: string | undefined;

  /** A service whose clock is `now`, trusting X-Forwarded-For so each reader can have its own address. */
  const start = async () => {
    dir = makeDataDir({ site: { ...sampleSite(), behindProxy: true } });
    running = await startService(dir, { clock: () => now, apiToken: HEALTH_TOKEN });
    return running;
  };
  const poll = (path: string, ua: string, address: string, headers: Record<string, string> = {}) => get((running as TestService).port, path, { 'User-Agent': ua, 'X-Forwarded-For': address, ...headers });
  /** /stats.json (which flushes this instance's counts first). */
  const report = async (): Promise<StatsReport> => {
    const res = await get((running as TestService).port, '/stats.json', AUTH);
    expect(res.status, res.text).to.equal(200);
    return JSON.parse(res.text) as StatsReport;
  };
  const feed = (r: StatsReport, path: string) => r.feeds.find((f) => f.path === path);

  afterEach(async () => {
    await running?.close();
    if (dir !== undefined) removeDir(dir);
    running = undefined;
    dir = undefined;
  });

  it('states the same window in `feedwright stats` (table and --json) as in /stats.json for the same clock: [start of the first hour, now)', async () => {
    now = at('2026-03-01T10:20:30Z');
    const t = await start();
    expect((await poll('/rss.xml', NNW, '198.51.100.1')).status).to.equal(200);
    const page = await report();
    /** What the command prints for the same store and clock. */
    const printed = async (json: boolean) => {
      let text = '';
      const out = new Writable({
        write(chunk: Buffer | string, _encoding, callback) {
          text += chunk.toString();
          callback();
        },
      });
      expect(await printStats(t.service.store, { json, now }, out)).to.equal(0);
      return text;
    };
    const command = JSON.parse(await printed(true)) as StatsReport;
    const table = (await printed(false)).split('\n');
    const w = statsWindow(now);
    expect([page.from, page.to]).to.deep.equal([new Date(w.from).toISOString(), new Date(w.to).toISOString()]);
    expect([page.from, page.to]).to.deep.equal(['2026-02-22T11:00:00.000Z', '2026-03-01T10:20:30.000Z']);
    expect([command.from, command.to, command.generatedAt]).to.deep.equal([page.from, page.to, page.generatedAt]);
    expect(command.hourly.t).to.deep.equal(page.hourly.t);
    expect(command.daily.day).to.deep.equal(page.daily.day);
    expect(table[0]).to.equal(`readers counted from ${page.from} to ${page.to} (UTC, 7 days)`);
    expect(command.site.requests).to.equal(page.site.requests);
  });

  it("counts a poll from each aggregator's User-Agent with the subscriber number it reports", async () => {
    now = at('2026-03-01T10:00:00Z');
    const svc = await start();
    for (const [i, a] of AGGREGATOR_AGENTS.entries()) expect((await poll('/rss.xml', a.ua, `198.51.100.${i + 1}`)).status).to.equal(200);
    expect((await poll('/atom.xml', 'NewsBlur Feed Fetcher - 1 subscriber - https://www.newsblur.com/site/9/x (Mozilla/5.0)', '198.51.100.9')).status).to.equal(200);
    const r = await report();
    const expected = Object.fromEntries(AGGREGATOR_AGENTS.map((a) => [a.aggregator, a.subscribers]));
    expect(feed(r, '/rss.xml')?.subscribersByAggregator).to.deep.equal(expected);
    expect(feed(r, '/rss.xml')?.subscribers).to.equal(1234 + 56 + 7 + 89 + 12);
    expect(feed(r, '/atom.xml')?.subscribersByAggregator).to.deep.equal({ NewsBlur: 1 });
    expect(r.site.subscribers).to.equal(1234 + 56 + 7 + 89 + 12 + 1);
    // Aggregators stand for their subscribers: none of them is an individual reader.
    expect(r.site.readersToday).to.equal(0);
    expect(r.site.byFamily.find((f) => f.family === 'NewsBlur')).to.deep.equal({ family: 'NewsBlur', requests: 2, readersToday: 0 });
    // In the store: one row per document, origin and aggregator for the day.
    const rows = await svc.service.store.readSubscriberCounts('2026-03-01', '2026-03-01');
    expect(rows.map((s) => [s.path, s.origin, s.aggregator, s.subscribers])).to.deep.equal([
      ['/atom.xml', 'https://www.presstv.com', 'NewsBlur', 1],
      ...AGGREGATOR_AGENTS.map((a) => ['/rss.xml', 'https://www.presstv.com', a.aggregator, a.subscribers]).sort((x, y) => (String(x[2]) < String(y[2]) ? -1 : 1)),
    ]);
  });

  it("keeps each aggregator-feed's highest count over a rolling 7 days", async () => {
    now = at('2026-03-01T10:00:00Z');
    await start();
    const subscribersOn = async (iso: string, reported?: number) => {
      now = at(iso);
      if (reported !== undefined) expect((await poll('/atom.xml', feedly(reported), '198.51.100.1')).status).to.equal(200);
      return (await report()).feeds.find((f) => f.path === '/atom.xml')?.subscribers ?? 0;
    };
    expect(await subscribersOn('2026-03-01T10:00:00Z', 1234)).to.equal(1234);
    expect(await subscribersOn('2026-03-01T18:00:00Z', 1200)).to.equal(1234); // lower the same day
    expect(await subscribersOn('2026-03-03T09:00:00Z', 1000)).to.equal(1234); // Mar 1 is in the 7 days
    expect(await subscribersOn('2026-03-07T23:59:00Z')).to.equal(1234); // Mar 1..7
    expect(await subscribersOn('2026-03-08T00:01:00Z')).to.equal(1000); // Mar 2..8: Mar 1 has left
    expect(await subscribersOn('2026-03-10T12:00:00Z')).to.equal(0); // Mar 4..10: nothing reported
    expect(await subscribersOn('2026-03-10T13:00:00Z', 900)).to.equal(900);
    const r = await report();
    expect(r.daily.day).to.deep.equal(['2026-03-04', '2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08', '2026-03-09', '2026-03-10']);
    expect(r.daily.subscribers).to.deep.equal([1234, 1234, 1234, 1234, 1000, 1000, 900]);
  });

  it('counts individual readers once per address and User-Agent per UTC day, and requests, 200s, 304s and bytes by coding and origin', async () => {
    now = at('2026-03-01T10:00:00Z');
    const svc = await start();
    const first = await poll('/rss.xml', NNW, '203.0.113.5', { 'Accept-Encoding': 'gzip' });
    expect(first.status).to.equal(200);
    const again = await poll('/rss.xml', NNW, '203.0.113.5', { 'Accept-Encoding': 'gzip', 'If-None-Match': first.headers.etag as string });
    expect(again.status).to.equal(304);
    const atom = await poll('/atom.xml', NNW, '203.0.113.5', { 'Accept-Encoding': 'br' });
    const plain = await poll('/rss.xml', 'curl/8.5.0', '203.0.113.5'); // same address, another reader
    const other = await poll('/rss.xml', NNW, '203.0.113.6', { 'Accept-Encoding': 'gzip' }); // same app, another reader
    const mirror = await poll('/rss.xml', NNW, '203.0.113.7', { 'Accept-Encoding': 'gzip', Host: 'www.presstv.ir' });
    const aggregator = await poll('/rss.xml', feedly(10), '203.0.113.8'); // counted in requests, not as a reader
    for (const res of [atom, plain, other, mirror, aggregator]) expect(res.status).to.equal(200);

    let r = await report();
    expect(r.site.readersToday).to.equal(4); // NNW@.5, curl@.5, NNW@.6, NNW@.7
    expect(r.site.byFamily.find((f) => f.family === 'NetNewsWire')).to.deep.equal({ family: 'NetNewsWire', requests: 5, readersToday: 3 });
    expect(r.site.byFamily.find((f) => f.family === 'curl')).to.deep.equal({ family: 'curl', requests: 1, readersToday: 1 });
    const rss = feed(r, '/rss.xml');
    expect(rss).to.include({ requests: 6, ok: 5, notModified: 1, readersToday: 4, subscribers: 10 });
    expect(rss?.bytesByCoding).to.deep.equal({ identity: plain.body.length + aggregator.body.length, gzip: first.body.length + other.body.length + mirror.body.length, br: 0 });
    expect(feed(r, '/atom.xml')).to.include({ requests: 1, ok: 1, notModified: 0, readersToday: 1, bytes: atom.body.length });
    expect(feed(r, '/atom.xml')?.bytesByCoding.br).to.equal(atom.body.length);
    // Per origin in the store: the mirror's answer is counted on the mirror's origin.
    const hour = at('2026-03-01T10:00:00Z');
    const traffic = await svc.service.store.readTraffic(hour, hour + 3_600_000);
    expect(traffic.filter((t) => t.path === '/rss.xml' && t.origin === 'https://www.presstv.ir')).to.deep.equal([{ hour, path: '/rss.xml', origin: 'https://www.presstv.ir', coding: 'gzip', requests: 1, ok: 1, notModified: 0, bytes: mirror.body.length }]);

    // Later the same day: nobody new.
    now = at('2026-03-01T23:59:00Z');
    await poll('/rss.xml', NNW, '203.0.113.5', { 'Accept-Encoding': 'gzip' });
    r = await report();
    expect(r.site.readersToday).to.equal(4);
    // A new UTC day: every reader counts again, once.
    now = at('2026-03-02T00:01:00Z');
    await poll('/rss.xml', NNW, '203.0.113.5', { 'Accept-Encoding': 'gzip' });
    await poll('/rss.xml', NNW, '203.0.113.5', { 'Accept-Encoding': 'gzip' });
    r = await report();
    expect(r.site.readersToday).to.equal(1);
    expect(r.daily.readers.slice(-2)).to.deep.equal([4, 1]);
    expect(await svc.service.store.readReaderCounts('2026-03-01', '2026-03-02').then((rows) => rows.filter((x) => x.path === '' && x.family === 'NetNewsWire').map((x) => [x.day, x.requests, x.readers]))).to.deep.equal([['2026-03-01', 6, 3], ['2026-03-02', 2, 1]]);
  });
});
