// The readers-counted part of the store contract (issue 12): additive traffic and reader counts,
// the day's highest subscriber count, and reads by range; run by storeContract on every store.
import { expect } from 'chai';
import type { StatsBatch, TrafficCount } from '../../src/store/reader-stats.js';
import type { ArticleStore } from '../../src/store/store.js';

const H = Date.UTC(2026, 2, 1, 10); // 2026-03-01T10:00Z
const HOUR = 3_600_000;

const traffic = (over: Partial<TrafficCount> = {}): TrafficCount => ({ hour: H, path: '/rss.xml', origin: 'https://example.org', coding: 'gzip', requests: 3, ok: 2, notModified: 1, bytes: 5000, ...over });
const batch = (over: Partial<StatsBatch>): StatsBatch => ({ traffic: [], readers: [], subscribers: [], ...over });

/** Runs the stats contract on the store `current()` gives (fresh and empty for each test). */
export function statsContract(current: () => ArticleStore): void {
  describe('readers counted', () => {
    it('adds traffic counts to the row of the same hour, path, origin and coding, and reads them by hour range in key order', async () => {
      const store = current();
      await store.addReaderStats(batch({ traffic: [traffic(), traffic({ coding: 'br', bytes: 4000 }), traffic({ hour: H + HOUR, path: '/atom.xml' })] }));
      // A second instance (or flush) adds to the same rows; bytes past 2^31 stay exact.
      await store.addReaderStats(batch({ traffic: [traffic({ requests: 1, ok: 0, notModified: 1, bytes: 3_000_000_000 }), traffic({ origin: 'https://mirror.example.net', coding: 'identity', requests: 1, ok: 1, notModified: 0, bytes: 20_000 })] }));
      expect(await store.readTraffic(H, H + HOUR)).to.deep.equal([
        { hour: H, path: '/rss.xml', origin: 'https://example.org', coding: 'br', requests: 3, ok: 2, notModified: 1, bytes: 4000 },
        { hour: H, path: '/rss.xml', origin: 'https://example.org', coding: 'gzip', requests: 4, ok: 2, notModified: 2, bytes: 3_000_005_000 },
        { hour: H, path: '/rss.xml', origin: 'https://mirror.example.net', coding: 'identity', requests: 1, ok: 1, notModified: 0, bytes: 20_000 },
      ]);
      expect((await store.readTraffic(H + HOUR, H + 2 * HOUR)).map((t) => t.path)).to.deep.equal(['/atom.xml']);
      expect(await store.readTraffic(H - HOUR, H)).to.deep.equal([]);
    });

    it('adds reader counts per day, path and family, also when one batch repeats a key', async () => {
      const store = current();
      const r = { day: '2026-03-01', path: '', family: 'NetNewsWire', requests: 5, readers: 2 };
      await store.addReaderStats(batch({ readers: [r, { ...r, requests: 1, readers: 1 }, { ...r, path: '/rss.xml' }, { ...r, day: '2026-03-02', family: 'curl' }] }));
      await store.addReaderStats(batch({ readers: [{ ...r, requests: 10, readers: 0 }] }));
      expect(await store.readReaderCounts('2026-03-01', '2026-03-01')).to.deep.equal([
        { day: '2026-03-01', path: '', family: 'NetNewsWire', requests: 16, readers: 3 },
        { day: '2026-03-01', path: '/rss.xml', family: 'NetNewsWire', requests: 5, readers: 2 },
      ]);
      expect((await store.readReaderCounts('2026-02-01', '2026-12-31')).map((x) => `${x.day} ${x.family}`)).to.deep.equal(['2026-03-01 NetNewsWire', '2026-03-01 NetNewsWire', '2026-03-02 curl']);
    });

    it("keeps each day's highest subscriber count per path, origin and aggregator, with the time it was first reported", async () => {
      const store = current();
      const s = { day: '2026-03-01', path: '/rss.xml', origin: 'https://example.org', aggregator: 'Feedly', subscribers: 1234, observedAt: H + 5 };
      await store.addReaderStats(batch({ subscribers: [s, { ...s, aggregator: 'Inoreader', subscribers: 56 }] }));
      // Lower later: kept; equal later: the earlier time stays; higher: replaces; another day: its own row.
      await store.addReaderStats(batch({ subscribers: [{ ...s, subscribers: 1000, observedAt: H + 10 }] }));
      await store.addReaderStats(batch({ subscribers: [{ ...s, subscribers: 1234, observedAt: H + 20 }, { ...s, aggregator: 'Inoreader', subscribers: 60, observedAt: H + 30 }, { ...s, aggregator: 'Inoreader', subscribers: 58, observedAt: H + 31 }] }));
      await store.addReaderStats(batch({ subscribers: [{ ...s, day: '2026-03-02', subscribers: 7, observedAt: H + 86_400_000 }] }));
      expect(await store.readSubscriberCounts('2026-03-01', '2026-03-01')).to.deep.equal([
        { ...s },
        { ...s, aggregator: 'Inoreader', subscribers: 60, observedAt: H + 30 },
      ]);
      expect((await store.readSubscriberCounts('2026-03-02', '2026-03-09')).map((x) => x.subscribers)).to.deep.equal([7]);
    });

    it('stores nothing of an empty batch and reads empty ranges as empty', async () => {
      const store = current();
      await store.addReaderStats(batch({}));
      expect(await store.readTraffic(0, Number.MAX_SAFE_INTEGER)).to.deep.equal([]);
      expect(await store.readReaderCounts('0000-01-01', '9999-12-31')).to.deep.equal([]);
      expect(await store.readSubscriberCounts('0000-01-01', '9999-12-31')).to.deep.equal([]);
    });
  });
}
