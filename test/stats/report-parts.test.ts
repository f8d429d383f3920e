// The report's per-origin figures and one document's report from rows (pure: summarizeStats,
// summarizeFeed, resolvePath), beside the service-level tests in feeds-and-origins.test.ts.
import { expect } from 'chai';
import { resolvePath, summarizeFeed } from '../../src/stats/feed-report.js';
import { summarizeStats, type StatsRows } from '../../src/stats/report.js';
import type { TrafficCount } from '../../src/store/reader-stats.js';

const NOW = Date.parse('2026-03-10T12:30:00Z');
const H = Date.parse('2026-03-10T11:00:00Z');
const A = 'https://a.example';
const B = 'https://b.example';
const GONE = 'https://gone.example';
const t = (path: string, origin: string, coding: TrafficCount['coding'], requests: number, ok: number, notModified: number, bytes: number, hour = H): TrafficCount => ({ hour, path, origin, coding, requests, ok, notModified, bytes });

const rows: StatsRows = {
  traffic: [
    t('/rss.xml', A, 'gzip', 4, 2, 2, 200),
    t('/rss.xml', B, 'br', 2, 2, 0, 80),
    t('/atom.xml', GONE, 'identity', 1, 1, 0, 500),
    t('/atom.xml', A, 'none', 1, 0, 0, 0),
    t('/rss.xml', A, 'gzip', 9, 9, 0, 900, Date.parse('2026-03-01T00:00:00Z')), // before the window
  ],
  readers: [{ day: '2026-03-10', path: '/rss.xml', family: 'curl', requests: 3, readers: 2 }, { day: '2026-03-10', path: '', family: 'curl', requests: 3, readers: 2 }],
  subscribers: [
    { day: '2026-03-05', path: '/rss.xml', origin: B, aggregator: 'Feedly', subscribers: 30, observedAt: 0 },
    { day: '2026-03-10', path: '/rss.xml', origin: B, aggregator: 'Feedly', subscribers: 20, observedAt: 0 },
    { day: '2026-03-10', path: '/rss.xml', origin: A, aggregator: 'Inoreader', subscribers: 4, observedAt: 0 },
    { day: '2026-03-10', path: '/atom.xml', origin: A, aggregator: 'Feedly', subscribers: 1, observedAt: 0 },
  ],
};

describe('stats report: per origin and per document (src/stats/report.ts, feed-report.ts)', () => {
  it('lists the configured origins first (zeros too), then others counted, each with totals that add up to the site', () => {
    const r = summarizeStats(rows, NOW, { origins: [B, A, 'https://idle.example'] });
    expect(r.origins.map((o) => o.origin)).to.deep.equal([B, A, 'https://idle.example', GONE]);
    const [b, a, idle, gone] = r.origins;
    expect(a).to.deep.equal({ origin: A, requests: 5, ok: 2, notModified: 2, notModifiedShare: 0.5, bytes: 200, bytesByCoding: { identity: 0, gzip: 200, br: 0 }, subscribers: 5, subscribersByAggregator: { Feedly: 1, Inoreader: 4 } });
    expect(b).to.include({ requests: 2, ok: 2, notModified: 0, notModifiedShare: 0, bytes: 80, subscribers: 30 });
    expect(idle).to.include({ requests: 0, notModifiedShare: null, subscribers: 0 });
    expect(gone).to.include({ requests: 1, bytes: 500 });
    for (const key of ['requests', 'ok', 'notModified', 'bytes', 'subscribers'] as const) expect(r.origins.reduce((s, o) => s + o[key], 0), key).to.equal(r.site[key]);
    // Without configured origins: those counted, in code-unit order.
    expect(summarizeStats(rows, NOW).origins.map((o) => o.origin)).to.deep.equal([A, B, GONE]);
  });

  it("one document's report: its own figures (the table's row), per origin, and series", () => {
    const site = summarizeStats(rows, NOW, { origins: [A, B] });
    const rss = summarizeFeed(rows, NOW, '/rss.xml', { origins: [A, B] });
    expect(rss.figures).to.deep.equal(site.feeds.find((f) => f.path === '/rss.xml'));
    expect(rss.figures).to.include({ requests: 6, readersToday: 2, subscribers: 34 });
    expect(rss.origins.map((o) => [o.origin, o.requests, o.subscribers])).to.deep.equal([[A, 4, 4], [B, 2, 30]]);
    const i = rss.hourly.t.indexOf(H / 1000);
    expect([rss.hourly.requests[i], site.hourly.requests[i]]).to.deep.equal([6, 8]);
    expect(rss.hourly.notModifiedShare[i]).to.equal(2 / 6);
    // Feedly on B: 30 on Mar 5 (held for 7 days), Inoreader on A: 4 on Mar 10; the days are Mar 4..10.
    expect(rss.daily.day[0]).to.equal('2026-03-04');
    expect(rss.daily.subscribers).to.deep.equal([0, 30, 30, 30, 30, 30, 34]);
    expect(rss.daily.readers.at(-1)).to.equal(2);
    // A document with nothing counted: zeros, the window's hours and days all the same.
    const none = summarizeFeed(rows, NOW, '/feed.json');
    expect(none.figures).to.include({ requests: 0, notModifiedShare: null });
    expect(none.hourly.t).to.deep.equal(site.hourly.t);
    expect(none.daily.subscribers.every((n) => n === 0)).to.equal(true);
  });

  it('resolvePath: as sent, canonical, or percent-encoded, the first known; else undefined', () => {
    const known = new Set(['/rss.xml', '/tags/%D8%AA/rss.xml', '(other paths)']);
    const has = (p: string) => known.has(p);
    expect(resolvePath('/rss.xml', has)).to.equal('/rss.xml');
    expect(resolvePath('/r%73s.xml', has)).to.equal('/rss.xml');
    expect(resolvePath('/tags/ت/rss.xml', has)).to.equal('/tags/%D8%AA/rss.xml');
    expect(resolvePath('/tags/%d8%aa/rss.xml', has)).to.equal('/tags/%D8%AA/rss.xml');
    expect(resolvePath('(other paths)', has)).to.equal('(other paths)');
    for (const v of ['', '/nope.xml', '/tags/%E0%A4/rss.xml', '/rss.xml?x', '/\uD800', `/${'r'.repeat(5000)}`]) expect(resolvePath(v, has), v).to.equal(undefined);
  });
});
