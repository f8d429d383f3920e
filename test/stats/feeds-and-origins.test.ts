// One feed's figures and charts (`/stats.json?path=`) and the figures per origin (review of
// issue 12), through the real service: polls with real User-Agents on the primary and the
// mirror (Host header), read back from /stats.json, from `feedwright stats` (the built CLI,
// table and --json) and from printStats. The service's clock is the test's where hours matter.
import { expect } from 'chai';
import { Writable } from 'node:stream';
import type { FeedReport } from '../../src/stats/feed-report.js';
import type { StatsReport } from '../../src/stats/report.js';
import { printStats } from '../../src/stats/stats-command.js';
import { runCli } from '../support/cli-run.js';
import { get, HEALTH_TOKEN, makeDataDir, removeDir, startService, type TestService } from '../support/fixtures.js';

const AUTH = { Authorization: `Bearer ${HEALTH_TOKEN}` };
const NNW = 'NetNewsWire (RSS Reader; https://netnewswire.com/)';
const feedly = (n: number) => `Feedly/1.0 (+http://www.feedly.com/fetcher.html; ${n} subscribers; like FeedFetcher-Google)`;
const inoreader = (n: number) => `Mozilla/5.0 (compatible; Inoreader/1.0; https://www.inoreader.com; ${n} subscribers)`;
const PRIMARY = 'https://www.presstv.com';
const MIRROR = 'https://www.presstv.ir';
/** The sample's Persian tag feed: as people read it, and as served and counted (percent-encoded). */
const TAG = '/tags/تهران/rss.xml';
const TAG_SERVED = TAG.split('/').map(encodeURIComponent).join('/');
const at = (iso: string) => Date.parse(iso);
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

describe('readers counted per feed and per origin (issue 12 review)', function () {
  this.timeout(180_000);
  let now = at('2026-03-01T10:00:00Z');
  let svc: TestService | undefined;
  let dir: string | undefined;
  const port = () => (svc as TestService).port;
  const poll = (path: string, ua: string, headers: Record<string, string> = {}) => get(port(), path, { 'User-Agent': ua, ...headers });
  const json = async <T>(path: string): Promise<T> => {
    const res = await get(port(), path, AUTH);
    expect(res.status, `${path}: ${res.text}`).to.equal(200);
    expect(res.headers['cache-control']).to.equal('no-store');
    return JSON.parse(res.text) as T;
  };
  const feedOf = (path: string) => json<FeedReport>(`/stats.json?path=${encodeURIComponent(path)}`);

  afterEach(async () => {
    await svc?.close();
    if (dir !== undefined) removeDir(dir);
    svc = undefined;
    dir = undefined;
  });

  it('?path= gives that feed’s figures and series, which differ from the site’s; another feed’s polls are not in them', async () => {
    now = at('2026-03-01T10:00:00Z');
    dir = makeDataDir();
    svc = await startService(dir, { clock: () => now, apiToken: HEALTH_TOKEN });
    // 10:00 UTC: /rss.xml three times (one 304), a Feedly poll reporting 40; /atom.xml once.
    const first = await poll('/rss.xml', NNW);
    expect(first.status).to.equal(200);
    expect((await poll('/rss.xml', NNW, { 'If-None-Match': first.headers.etag as string })).status).to.equal(304);
    expect((await poll('/rss.xml', feedly(40))).status).to.equal(200);
    expect((await poll('/atom.xml', 'curl/8.5.0')).status).to.equal(200);
    // 13:00 UTC: /atom.xml twice, /rss.xml not at all.
    now = at('2026-03-01T13:30:00Z');
    expect((await poll('/atom.xml', 'curl/8.5.0')).status).to.equal(200);
    expect((await poll('/atom.xml', inoreader(5))).status).to.equal(200);

    const site = await json<StatsReport>('/stats.json');
    const rss = await feedOf('/rss.xml');
    const atom = await feedOf('/atom.xml');
    expect(rss).to.have.keys('generatedAt', 'from', 'to', 'days', 'path', 'figures', 'origins', 'hourly', 'daily');
    expect([rss.from, rss.to, rss.days]).to.deep.equal([site.from, site.to, site.days]);
    expect(rss.path).to.equal('/rss.xml');
    // The feed's figures are the table's row for it.
    expect(rss.figures).to.deep.equal(site.feeds.find((f) => f.path === '/rss.xml'));
    expect(atom.figures).to.deep.equal(site.feeds.find((f) => f.path === '/atom.xml'));
    // Same hours, different series: the site's is the sum of the feeds', each feed only its own.
    expect(rss.hourly.t).to.deep.equal(site.hourly.t);
    const h10 = site.hourly.t.indexOf(at('2026-03-01T10:00:00Z') / 1000);
    const h13 = site.hourly.t.indexOf(at('2026-03-01T13:00:00Z') / 1000);
    expect([h10, h13].every((i) => i >= 0)).to.equal(true);
    expect([site.hourly.requests[h10], site.hourly.requests[h13]]).to.deep.equal([4, 2]);
    expect([rss.hourly.requests[h10], rss.hourly.requests[h13]]).to.deep.equal([3, 0]);
    expect([atom.hourly.requests[h10], atom.hourly.requests[h13]]).to.deep.equal([1, 2]);
    expect(sum(rss.hourly.requests)).to.equal(3);
    expect(rss.hourly.requests).to.not.deep.equal(site.hourly.requests);
    expect(rss.hourly.notModifiedShare[h10]).to.be.closeTo(1 / 3, 1e-9);
    expect(rss.hourly.notModifiedShare[h13]).to.equal(null);
    expect(site.hourly.notModifiedShare[h10]).to.be.closeTo(1 / 4, 1e-9);
    expect(sum(rss.hourly.bytes) + sum(atom.hourly.bytes)).to.equal(sum(site.hourly.bytes));
    expect(sum(rss.hourly.bytes)).to.equal(rss.figures.bytes);
    // Per day: each feed's own subscribers and readers.
    expect(rss.daily.day).to.deep.equal(site.daily.day);
    expect(rss.daily.subscribers.at(-1)).to.equal(40);
    expect(atom.daily.subscribers.at(-1)).to.equal(5);
    expect(site.daily.subscribers.at(-1)).to.equal(45);
    expect(rss.daily.readers.at(-1)).to.equal(1);
    expect(atom.daily.readers.at(-1)).to.equal(1);
    // A feed the site publishes that nobody polled: known, all zeros (not 404).
    const quiet = await feedOf('/sections/news/rss.xml');
    expect(quiet.figures).to.include({ requests: 0, subscribers: 0, readersToday: 0 });
    expect(sum(quiet.hourly.requests)).to.equal(0);
  });

  it('an unknown path answers 404 problem+json (not an error); a repeated ?path= 400; no token 401; the path is looked up as sent, percent-encoded or not', async () => {
    now = at('2026-03-01T10:00:00Z');
    dir = makeDataDir();
    svc = await startService(dir, { clock: () => now, apiToken: HEALTH_TOKEN });
    for (const path of ['/no/such/feed.xml', '', 'rss.xml', '/rss.xml?x=1', '/tags/%E0%A4/rss.xml', `/${'a'.repeat(5000)}`]) {
      const res = await get(port(), `/stats.json?path=${encodeURIComponent(path)}`, AUTH);
      expect(res.status, path).to.equal(404);
      expect(res.headers['content-type'], path).to.match(/^application\/problem\+json/);
      expect(res.headers['cache-control']).to.equal('no-store');
      expect(JSON.parse(res.text), path).to.deep.include({ type: 'about:blank', title: 'Not Found', status: 404 });
    }
    const twice = await get(port(), '/stats.json?path=/rss.xml&path=/atom.xml', AUTH);
    expect(twice.status).to.equal(400);
    expect(JSON.parse(twice.text)).to.include({ status: 400 });
    expect((await get(port(), '/stats.json?path=/rss.xml')).status).to.equal(401);
    expect((await get(port(), '/stats.json?path=/rss.xml', { Authorization: 'Bearer wrong-token-xxxxxxxx' })).status).to.equal(403);

    // The tag feed, requested percent-encoded as browsers do, is counted under that spelling.
    expect((await poll(TAG_SERVED, NNW)).status).to.equal(200);
    expect((await poll('/r%73s.xml', NNW)).status).to.equal(200);
    const site = await json<StatsReport>('/stats.json');
    expect(site.feeds.map((f) => f.path)).to.include(TAG_SERVED);
    // ?path= as counted (percent-encoded, itself encoded in the query), as people read it
    // (decoded UTF-8), and spelt otherwise (lower-case hex, an encoded unreserved character): one feed.
    const spellings = [TAG_SERVED, TAG, TAG_SERVED.toLowerCase().replace('/rss.xml', '/r%73s.xml')];
    for (const spelling of spellings) {
      const r = await feedOf(spelling);
      expect(r.path, spelling).to.equal(TAG_SERVED);
      expect(r.figures.requests, spelling).to.equal(1);
      expect(sum(r.hourly.requests), spelling).to.equal(1);
    }
    // The raw query (the path's own %XX left as they are in the query): the same feed.
    const raw = await get(port(), `/stats.json?path=${TAG_SERVED}`, AUTH);
    expect(raw.status).to.equal(200);
    expect((JSON.parse(raw.text) as FeedReport).path).to.equal(TAG_SERVED);
    expect((await feedOf('/r%73s.xml')).path).to.equal('/rss.xml');
  });

  it('counts each origin: /stats.json, `feedwright stats` and its --json show the primary and the mirror (Host header), subscribers per origin', async () => {
    dir = makeDataDir();
    // The real clock: the built CLI reads the store as of now.
    svc = await startService(dir, { apiToken: HEALTH_TOKEN });
    const mirror = { Host: 'www.presstv.ir' };
    const sent = { primary: 0, mirror: 0 };
    const p1 = await poll('/rss.xml', NNW, { Host: 'www.presstv.com', 'Accept-Encoding': 'gzip' });
    const p2 = await poll('/rss.xml', NNW, { Host: 'www.presstv.com', 'Accept-Encoding': 'gzip', 'If-None-Match': p1.headers.etag as string });
    const p3 = await poll('/atom.xml', feedly(100), { Host: 'www.presstv.com' });
    const m1 = await poll('/rss.xml', NNW, { ...mirror, 'Accept-Encoding': 'gzip' });
    const m2 = await poll('/rss.xml', feedly(7), mirror);
    const m3 = await poll('/rss.xml', NNW, { ...mirror, 'Accept-Encoding': 'gzip', 'If-None-Match': m1.headers.etag as string });
    const m4 = await poll('/rss.xml', NNW, { ...mirror, 'Accept-Encoding': 'gzip', 'If-None-Match': m1.headers.etag as string });
    expect([p1, p2, p3, m1, m2, m3, m4].map((r) => r.status)).to.deep.equal([200, 304, 200, 200, 200, 304, 304]);
    for (const r of [p1, p2, p3]) sent.primary += r.body.length;
    for (const r of [m1, m2, m3, m4]) sent.mirror += r.body.length;

    const site = await json<StatsReport>('/stats.json');
    expect(site.origins.map((o) => o.origin)).to.deep.equal([PRIMARY, MIRROR]);
    const [primary, mirrored] = site.origins;
    expect(primary).to.include({ origin: PRIMARY, requests: 3, ok: 2, notModified: 1, bytes: sent.primary, subscribers: 100 });
    expect(primary?.notModifiedShare).to.be.closeTo(1 / 3, 1e-9);
    expect(primary?.subscribersByAggregator).to.deep.equal({ Feedly: 100 });
    expect(mirrored).to.include({ origin: MIRROR, requests: 4, ok: 2, notModified: 2, notModifiedShare: 0.5, bytes: sent.mirror, subscribers: 7 });
    expect(mirrored?.bytesByCoding.gzip).to.equal(m1.body.length);
    // The origins add up to the site.
    expect(site.origins.reduce((a, o) => a + o.requests, 0)).to.equal(site.site.requests);
    expect(site.origins.reduce((a, o) => a + o.bytes, 0)).to.equal(site.site.bytes);
    expect(site.origins.reduce((a, o) => a + o.subscribers, 0)).to.equal(site.site.subscribers);
    // A feed's report splits it by origin too.
    const rss = await feedOf('/rss.xml');
    expect(rss.origins.map((o) => [o.origin, o.requests, o.notModified, o.subscribers])).to.deep.equal([[PRIMARY, 2, 1, 0], [MIRROR, 4, 2, 7]]);

    // printStats (the command's body) on the live store, and the built CLI after the service stopped.
    let printed = '';
    const out = new Writable({ write(chunk: Buffer | string, _e, cb) { printed += chunk.toString(); cb(); } });
    await printStats(svc.service.store, { json: false, origins: [PRIMARY, MIRROR] }, out);
    await svc.close();
    svc = undefined;
    const table = runCli(['stats', '--data', dir]);
    expect(table.status, table.all).to.equal(0);
    // The same table as printStats (but the window's end, which is now).
    expect(table.stdout.split('\n').slice(1)).to.deep.equal(printed.split('\n').slice(1));
    const lines = table.stdout.split('\n');
    const head = lines.findIndex((l) => l.startsWith('origin '));
    expect(head, table.stdout).to.be.greaterThan(0);
    expect(lines[head]?.split(/\s{2,}/)).to.deep.equal(['origin', 'requests', '200', '304', '304 share', 'bytes', 'gzip bytes', 'br bytes', 'subscribers']);
    expect(lines[head + 1]?.split(/\s{2,}/)).to.deep.equal([PRIMARY, '3', '2', '1', '33.3%', sent.primary.toLocaleString('en'), p1.body.length.toLocaleString('en'), '0', '100 (Feedly 100)']);
    expect(lines[head + 2]?.split(/\s{2,}/)).to.deep.equal([MIRROR, '4', '2', '2', '50.0%', sent.mirror.toLocaleString('en'), m1.body.length.toLocaleString('en'), '0', '7 (Feedly 7)']);
    expect(lines[head + 3]).to.equal('');
    const asJson = runCli(['stats', '--data', dir, '--json']);
    expect(asJson.status, asJson.all).to.equal(0);
    const report = JSON.parse(asJson.stdout) as StatsReport;
    expect(report.origins.map((o) => [o.origin, o.requests, o.ok, o.notModified, o.bytes, o.subscribers])).to.deep.equal([[PRIMARY, 3, 2, 1, sent.primary, 100], [MIRROR, 4, 2, 2, sent.mirror, 7]]);
  });
});
