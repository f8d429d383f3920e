// The contract every ArticleStore keeps, run against each implementation.
import { expect } from 'chai';
import { articleDigest, parseArticle, type Article } from '../../src/core/article.js';
import { FeedwrightError } from '../../src/core/errors.js';
import { slugify } from '../../src/core/scopes.js';
import { PREPARED_BATCH_ROWS, type ArticleStore, type ArticleWrite, type StoreOptions, type WriteRefusal } from '../../src/store/store.js';
import { statsContract } from './stats-contract.js';

/** The id prefix every contract store is opened with. */
export const CONTRACT_PREFIX = 'tag:example.org,2016:';
const G = 'https://old.example.org/?p=1234';

function article(id: string, published: string, extra: Record<string, unknown> = {}): Article {
  return parseArticle({ id, path: `/a/${id}`, title: `Title ${id}`, body: `<p>${id}</p>`, published, section: ['News', 'Iran'], tags: ['Oil'], ...extra }, 'Asia/Tehran');
}

function put(a: Article, source = 'api', replaces?: string): ArticleWrite {
  return replaces === undefined ? { kind: 'put', article: a, digest: articleDigest(a), source } : { kind: 'put', article: a, digest: articleDigest(a), source, replaces };
}

/** Writes a batch with onRefused and returns what was refused. */
async function writeSkipping(store: ArticleStore, writes: ArticleWrite[], now: number): Promise<WriteRefusal[]> {
  const refused: WriteRefusal[] = [];
  await store.writeArticles(writes, now, { onRefused: (r) => refused.push(r) });
  return refused;
}

/** The error a promise rejects with (undefined when it resolves). */
export async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  return undefined;
}

/**
 * Runs the contract against stores made by `open` (each test gets a fresh, empty store, opened
 * with the options given: the id prefix is {@link CONTRACT_PREFIX}).
 */
export function storeContract(name: string, open: (options: StoreOptions) => Promise<ArticleStore>): void {
  describe(`${name} (store contract)`, () => {
    let store: ArticleStore;
    beforeEach(async () => {
      store = await open({ idPrefix: CONTRACT_PREFIX });
    });
    afterEach(async () => {
      await store.close();
    });

    it('keeps hub subscriptions per (topic, callback): renewal keeps createdAt, leases end, expired ones are swept (issue 14)', async () => {
      const t1 = 'https://www.example.org/rss.xml';
      const t2 = 'https://mirror.example.org/rss.xml';
      const a = { topic: t1, callback: 'https://a.example/cb?id=1', secret: 's3cr3t', leaseSeconds: 100, expiresAt: 101_000, createdAt: 1000, verifiedAt: 1000 };
      const b = { topic: t1, callback: 'https://b.example/cb', leaseSeconds: 10, expiresAt: 11_000, createdAt: 1000, verifiedAt: 1000 };
      const c = { topic: t2, callback: 'https://a.example/cb?id=1', leaseSeconds: 100, expiresAt: 101_000, createdAt: 1000, verifiedAt: 1000 };
      for (const s of [b, c, a]) await store.putSubscription(s);
      expect(await store.listSubscriptions(2000)).to.deep.equal([c, a, b].sort((x, y) => (x.topic + x.callback < y.topic + y.callback ? -1 : 1)));
      expect(await store.listSubscriptions(2000, t1)).to.deep.equal([a, b]);
      // b's lease ends at 11 000: not listed from then on, but kept until swept.
      expect(await store.listSubscriptions(11_000, t1)).to.deep.equal([a]);
      expect(await store.listSubscriptions(0, t1)).to.deep.equal([a, b]);
      // A renewal replaces secret and lease, keeps createdAt; no secret given removes the old one.
      const renewed = { topic: t1, callback: a.callback, leaseSeconds: 500, expiresAt: 505_000, createdAt: 5000, verifiedAt: 5000 };
      await store.putSubscription(renewed);
      expect(await store.listSubscriptions(2000, t1)).to.deep.equal([{ ...renewed, createdAt: 1000 }, b]);
      expect(await store.deleteExpiredSubscriptions(11_000)).to.equal(1);
      expect(await store.listSubscriptions(0, t1)).to.deep.equal([{ ...renewed, createdAt: 1000 }]);
      expect(await store.deleteSubscription(t1, a.callback)).to.equal(true);
      expect(await store.deleteSubscription(t1, a.callback)).to.equal(false);
      expect(await store.listSubscriptions(0)).to.deep.equal([c]);
    });
    statsContract(() => store);

    it('keeps the prepared form a put carries with that version: replaced when its key changes, dropped by an edit without one', async () => {
      const a = article('p1', '2016-07-01T10:00:00Z');
      const blob = { key: 'k1', data: '{"c":["<p>p1</p>"],"s":"p1"}' };
      const withForm = (p: { key: string; data: string }): ArticleWrite => ({ kind: 'put', article: a, digest: articleDigest(a), source: 'api', prepared: p });
      await store.writeArticles([withForm(blob)], 1000);
      expect((await store.getArticle('p1'))?.prepared).to.deep.equal(blob);
      expect((await store.newestInScope('tags/oil', 10)).map((s) => s.prepared)).to.deep.equal([blob]);
      expect((await store.listChangedSince(0, 10)).map((c) => c.stored?.prepared)).to.deep.equal([blob]);
      // The same content prepared with other settings: no change is reported, the form is replaced.
      const other = { key: 'k2', data: '{"c":["<p>p1!</p>"],"s":"p1"}' };
      expect(await store.writeArticles([withForm(other)], 2000)).to.deep.equal([]);
      expect((await store.getArticle('p1'))?.prepared).to.deep.equal(other);
      // An edit stored without a prepared form leaves none: an old one never outlives its version.
      await store.writeArticles([put(article('p1', '2016-07-01T10:00:00Z', { title: 'Edited' }))], 3000);
      expect((await store.getArticle('p1'))?.prepared).to.equal(undefined);
      expect((await store.newestInScope('tags/oil', 10))[0]?.article.title).to.equal('Edited');
    });

    it('storePrepared stores a compile\'s form only onto the version it was made from, and is no change (changed_at, change log, digests kept)', async () => {
      const a = article('p1', '2016-07-01T10:00:00Z');
      const b = article('p2', '2016-07-01T11:00:00Z');
      const c = article('p3', '2016-07-01T12:00:00Z');
      const old = { key: 'k1', data: '{"c":["<p>old</p>"],"s":"old"}' };
      await store.writeArticles([{ kind: 'put', article: a, digest: articleDigest(a), source: 'api', prepared: old }, put(b), put(c)], 1000);
      // p2 is edited after its form was made, p3 removed: neither gets the form.
      const staleB = articleDigest(b);
      await store.writeArticles([put(article('p2', '2016-07-01T11:00:00Z', { title: 'Edited' }))], 2000);
      await store.writeArticles([{ kind: 'delete', id: 'p3' }], 2000);
      const seq = await store.latestChangeSeq();
      const changedBefore = await store.listChangedSince(0, 10);
      const digestsBefore = await store.newestDigestsInScope('tags/oil', 10);
      const form = (id: string) => ({ key: 'k2', data: `{"c":["<p>${id}</p>"],"s":"${id}"}` });
      const rows = [
        { id: 'p1', digest: articleDigest(a), prepared: form('p1') },
        { id: 'p2', digest: staleB, prepared: form('p2') },
        { id: 'p3', digest: articleDigest(c), prepared: form('p3') },
        { id: 'nope', digest: 'x', prepared: form('nope') },
      ];
      expect(await store.storePrepared(rows)).to.equal(1);
      expect((await store.getArticle('p1'))?.prepared).to.deep.equal(form('p1'));
      expect((await store.newestInScope('tags/oil', 10)).map((s) => [s.article.id, s.prepared?.key])).to.deep.equal([['p2', undefined], ['p1', 'k2']]);
      // The same form again: nothing to store.
      expect(await store.storePrepared(rows.slice(0, 1))).to.equal(0);
      expect(await store.storePrepared([])).to.equal(0);
      // Not a change: changed_at, the change log and the feed digests are as they were.
      expect(await store.latestChangeSeq()).to.equal(seq);
      expect(await store.readChangesSince(seq)).to.deep.equal([]);
      expect((await store.listChangedSince(0, 10)).map((r) => [r.id, r.changedAt, r.deleted])).to.deep.equal(changedBefore.map((r) => [r.id, r.changedAt, r.deleted]));
      expect(await store.listChangedSince(2001, 10)).to.deep.equal([]);
      expect(await store.newestDigestsInScope('tags/oil', 10)).to.deep.equal(digestsBefore);
      expect(await store.countArticles()).to.equal(2);
      // The removed article, written again, starts without the form it never got.
      await store.writeArticles([put(c)], 3000);
      expect((await store.getArticle('p3'))?.prepared).to.equal(undefined);
    });

    it('storePrepared commits in batches of at most PREPARED_BATCH_ROWS, every row of every batch', async () => {
      const n = PREPARED_BATCH_ROWS + 20;
      const many = Array.from({ length: n }, (_, i) => article(`m${String(i).padStart(4, '0')}`, '2016-07-01T10:00:00Z'));
      await store.writeArticles(many.map((m) => put(m)), 1000);
      const stored = await store.storePrepared(many.map((m) => ({ id: m.id, digest: articleDigest(m), prepared: { key: 'kb', data: `{"c":[],"s":"${m.id}"}` } })));
      expect(stored).to.equal(n);
      expect((await store.getArticle(many[n - 1]?.id as string))?.prepared?.data).to.equal(`{"c":[],"s":"${many[n - 1]?.id as string}"}`);
    });

    it('newestDigestsInScope gives the ids and digests of exactly newestInScope; listScopes with countUpTo caps the count only', async () => {
      const writes: ArticleWrite[] = [];
      for (let i = 0; i < 7; i += 1) writes.push(put(article(`d${i}`, `2016-07-0${1 + (i % 3)}T10:00:00Z`, i % 2 === 0 ? { tags: ['Oil', 'Gas'] } : {})));
      writes.push(put(article('future', '2030-01-01T00:00:00Z')));
      await store.writeArticles(writes, 1000);
      await store.writeArticles([{ kind: 'delete', id: 'd3' }], 2000);
      const cutoff = Date.parse('2020-01-01T00:00:00Z');
      for (const scope of ['', 'tags/oil', 'tags/gas', 'sections/news']) {
        for (const [limit, at] of [[3, cutoff], [50, cutoff], [50, undefined]] as const) {
          const full = (await store.newestInScope(scope, limit, at)).map((s) => ({ id: s.article.id, digest: s.digest }));
          expect(await store.newestDigestsInScope(scope, limit, at), `${scope} ${limit} ${at}`).to.deep.equal(full);
        }
      }
      const exact = await store.listScopes(['', 'tags/gas', 'tags/none'], cutoff);
      expect(exact.map((s) => [s.key, s.items])).to.deep.equal([['', 6], ['tags/gas', 4]]);
      const capped = await store.listScopes(['', 'tags/gas', 'tags/none'], cutoff, 5);
      expect(capped).to.deep.equal(exact.map((s) => ({ ...s, items: Math.min(s.items, 5) })));
    });

    it('creates, replaces and reports the scopes before and after', async () => {
      const a = article('a1', '2016-07-01T10:00:00Z');
      const [created] = await store.writeArticles([put(a)], 1000);
      expect(created?.scopesBefore).to.deep.equal([]);
      expect(created?.scopesAfter).to.deep.equal(['', 'sections/news', 'sections/news/iran', 'tags/oil']);
      const moved = article('a1', '2016-07-01T10:00:00Z', { section: ['Business'], tags: [] });
      const [replaced] = await store.writeArticles([put(moved)], 2000);
      expect(replaced?.scopesBefore.sort()).to.deep.equal(['', 'sections/news', 'sections/news/iran', 'tags/oil']);
      expect(replaced?.scopesAfter).to.deep.equal(['', 'sections/business']);
      const stored = await store.getArticle('a1');
      expect(stored?.article.section).to.deep.equal(['Business']);
      expect(stored?.changedAt).to.equal(2000);
      expect(await store.newestInScope('tags/oil', 10)).to.have.length(0);
    });

    it('keeps enclosures (issue 13) as written, and an article without any has no enclosures key', async () => {
      const enclosures = [{ url: 'https://cdn.example.org/ep1.mp3', type: 'audio/mpeg', length: 48213504, duration: 3013 }, { url: '/media/ep1.mp4', type: 'video/mp4' }];
      await store.writeArticles([put(article('pod', '2016-07-01T10:00:00Z', { enclosures })), put(article('plain', '2016-07-01T11:00:00Z'))], 1000);
      expect((await store.getArticle('pod'))?.article.enclosures).to.deep.equal(enclosures);
      expect(Object.keys((await store.getArticle('plain'))?.article ?? {})).not.to.include('enclosures');
      expect((await store.newestInScope('', 10)).find((s) => s.article.id === 'pod')?.article.enclosures).to.deep.equal(enclosures);
    });

    it('changes nothing when the same version is written again', async () => {
      const a = article('a1', '2016-07-01T10:00:00Z');
      await store.writeArticles([put(a)], 1000);
      expect(await store.writeArticles([put(a)], 5000)).to.deep.equal([]);
      expect((await store.getArticle('a1'))?.changedAt).to.equal(1000);
    });

    it('removes with a tombstone and restores on a later write', async () => {
      const a = article('a1', '2016-07-01T10:00:00Z');
      await store.writeArticles([put(a)], 1000);
      const [removed] = await store.writeArticles([{ kind: 'delete', id: 'a1' }], 2000);
      expect(removed?.scopesAfter).to.deep.equal([]);
      expect(removed?.scopesBefore).to.include('tags/oil');
      expect(await store.getArticle('a1')).to.equal(undefined);
      expect(await store.countArticles()).to.equal(0);
      expect(await store.writeArticles([{ kind: 'delete', id: 'a1' }], 3000)).to.deep.equal([]);
      const [restored] = await store.writeArticles([put(a)], 4000);
      expect(restored?.scopesAfter).to.include('tags/oil');
      expect(await store.countArticles()).to.equal(1);
    });

    it('lists the newest N of a scope, newest first, ties by id descending', async () => {
      const writes = [
        put(article('old', '2016-07-01T10:00:00Z')),
        put(article('new', '2016-07-03T10:00:00Z')),
        put(article('tie-a', '2016-07-02T10:00:00Z')),
        put(article('tie-b', '2016-07-02T10:00:00Z')),
        put(article('other', '2016-07-04T10:00:00Z', { section: ['Sport'], tags: [] })),
      ];
      await store.writeArticles(writes, 1000);
      expect((await store.newestInScope('sections/news', 3)).map((s) => s.article.id)).to.deep.equal(['new', 'tie-b', 'tie-a']);
      expect((await store.newestInScope('', 10)).map((s) => s.article.id)).to.deep.equal(['other', 'new', 'tie-b', 'tie-a', 'old']);
      const scopes = await store.listScopes();
      expect(scopes.find((s) => s.key === 'sections/news/iran')).to.deep.equal({ key: 'sections/news/iran', label: 'News / Iran', items: 4 });
      expect((await store.listScopes(['sections/sport', 'tags/none'])).map((s) => s.key)).to.deep.equal(['sections/sport']);
    });

    it('leaves embargoed articles out until their time and names the feeds an embargo releases', async () => {
      const past = article('past', '2016-07-01T10:00:00Z');
      const future = article('future', '2016-07-05T10:00:00Z', { tags: ['Secret'] });
      await store.writeArticles([put(past), put(future)], 1000);
      const before = Date.parse('2016-07-03T00:00:00Z');
      expect((await store.newestInScope('', 10, before)).map((s) => s.article.id)).to.deep.equal(['past']);
      expect((await store.listScopes(undefined, before)).map((s) => s.key)).to.not.include('tags/secret');
      expect(await store.scopesPublishedBetween(before, Date.parse('2016-07-04T00:00:00Z'))).to.deep.equal([]);
      const released = await store.scopesPublishedBetween(before, Date.parse('2016-07-06T00:00:00Z'));
      expect(released.sort()).to.deep.equal(['', 'sections/news', 'sections/news/iran', 'tags/secret']);
      expect((await store.newestInScope('', 10)).map((s) => s.article.id)).to.deep.equal(['future', 'past']);
    });

    it('lists changes since a time, oldest first, tombstones included', async () => {
      await store.writeArticles([put(article('c1', '2016-07-01T10:00:00Z'))], 1000);
      await store.writeArticles([put(article('c2', '2016-07-01T10:00:00Z'))], 2000);
      await store.writeArticles([{ kind: 'delete', id: 'c1' }], 3000);
      const changes = await store.listChangedSince(1500, 10);
      expect(changes.map((c) => [c.id, c.changedAt, c.deleted])).to.deep.equal([['c2', 2000, false], ['c1', 3000, true]]);
      expect(changes[0]?.stored?.article.title).to.equal('Title c2');
      expect(await store.listChangedSince(0, 1)).to.have.length(1);
    });

    it('lists changes in commit order and goes on after a changeSeq: a later commit is seen whatever its changedAt and id (a sync stamps its batches with its start)', async () => {
      // A sync's first batch, read by a client, then its second batch with the same time and
      // lower ids, and an API write in between with a later time.
      await store.writeArticles(['s5', 's6', 's7'].map((id) => put(article(id, '2016-07-01T10:00:00Z'))), 5000);
      const first = await store.listChangedSince(5000, 2);
      expect(first.map((c) => c.id)).to.deep.equal(['s5', 's6']);
      expect(first[1]!.changeSeq).to.be.greaterThan(first[0]!.changeSeq);
      await store.writeArticles([put(article('api', '2016-07-01T10:00:00Z'))], 7000);
      await store.writeArticles(['s1', 's2'].map((id) => put(article(id, '2016-07-01T10:00:00Z'))), 5000);
      await store.writeArticles([{ kind: 'delete', id: 's5' }], 5000);
      const rest = await store.listChangesAfter(first[1]!.changeSeq, 10);
      expect(rest.map((c) => [c.id, c.changedAt, c.deleted])).to.deep.equal([['s7', 5000, false], ['api', 7000, false], ['s1', 5000, false], ['s2', 5000, false], ['s5', 5000, true]]);
      expect(rest.map((c) => c.changeSeq)).to.deep.equal([...rest.map((c) => c.changeSeq)].sort((x, y) => x - y));
      expect(await store.maxChangeSeq()).to.equal(rest[rest.length - 1]!.changeSeq);
      expect(await store.listChangesAfter(await store.maxChangeSeq(), 10)).to.deep.equal([]);
      // An unchanged write (the same digest) is no change: it does not move.
      const s2 = article('s2', '2016-07-01T10:00:00Z');
      await store.writeArticles([put(s2)], 9000);
      expect(await store.listChangesAfter(await store.maxChangeSeq() - 1, 10)).to.have.length(1);
      expect((await store.listChangesAfter(rest[rest.length - 1]!.changeSeq, 10)).map((c) => c.id)).to.deep.equal([]);
    });

    it('keeps the file index and feed states', async () => {
      await store.writeFileIndex([{ name: 'a.json', mtimeMs: 1.5, size: 10, digest: 'd1', articleId: 'a' }, { name: 'b.json', mtimeMs: 2, size: 20, digest: 'd2', articleId: null }], []);
      await store.writeFileIndex([], ['b.json']);
      expect(await store.readFileIndex()).to.deep.equal([{ name: 'a.json', mtimeMs: 1.5, size: 10, digest: 'd1', articleId: 'a' }]);
      const publish = (states: Map<string, { digest: string; lastModified: number }>) => store.writePublish({ states, documents: [], renderDigest: 'r', visibleUntil: 0, changeSeq: 0 });
      await publish(new Map([['', { digest: 'x', lastModified: 1000 }]]));
      await publish(new Map([['', { digest: 'y', lastModified: 2000 }], ['tags/oil', { digest: 'z', lastModified: 3000 }]]));
      const states = await store.readFeedStates();
      expect(states.get('')).to.deep.equal({ digest: 'y', lastModified: 2000 });
      expect(states.size).to.equal(2);
    });

    it('reads the file index in pages, each beginning where the one before ended: every entry once', async () => {
      // Names whose order differs between a binary and a linguistic collation (case, punctuation, non-ASCII).
      const names = ['B.json', 'a.json', 'a-b.json', 'ab.json', 'Z-1.json', 'z.json', 'é.json', 'e.json', '_x.json', '10.json', '9.json'];
      await store.writeFileIndex(names.map((name, i) => ({ name, mtimeMs: i, size: i, digest: `d${i}`, articleId: null })), []);
      const whole = (await store.readFileIndex()).map((e) => e.name);
      expect([...whole].sort()).to.deep.equal([...names].sort());
      const paged: string[] = [];
      for (let after = ''; ; ) {
        const page = await store.readFileIndex(after, 3);
        expect(page.length).to.be.at.most(3);
        paged.push(...page.map((e) => e.name));
        if (page.length < 3) break;
        after = page[page.length - 1]!.name;
      }
      expect(paged).to.deep.equal(whole);
      const at = whole.indexOf('e.json');
      expect((await store.readFileIndex('e.json', 2)).map((e) => e.name)).to.deep.equal(whole.slice(at + 1, at + 3));
    });

    it('records brotli sizes made after a publish, only on rows that still have that hash and wait for one', async () => {
      const record = (hash: string, br: number) => ({ contentType: 'application/rss+xml; charset=utf-8', lastModified: 1000, hash, sizes: { identity: 300, gzip: 80, br } });
      const rows = [
        { path: '/rss.xml', origin: 'https://a.example', record: record('h1', 0) },
        { path: '/rss.xml', origin: 'https://b.example', record: record('h2', 0) },
        { path: '/atom.xml', origin: 'https://a.example', record: record('h3', 70) },
      ];
      await store.writePublish({ states: new Map(), documents: rows, renderDigest: 'r', visibleUntil: 0, changeSeq: 0 });
      await store.recordBrotliSizes([
        { path: '/rss.xml', origin: 'https://a.example', hash: 'h1', size: 75 },
        // Replaced meanwhile (another hash), and already made: both left alone.
        { path: '/rss.xml', origin: 'https://b.example', hash: 'old', size: 76 },
        { path: '/atom.xml', origin: 'https://a.example', hash: 'h3', size: 71 },
        // No longer in the manifest.
        { path: '/gone.xml', origin: 'https://a.example', hash: 'h9', size: 77 },
      ]);
      const sizes = new Map((await store.readPublished()).documents.map((d) => [`${d.origin}${d.path}`, d.record.sizes.br]));
      expect(Object.fromEntries(sizes)).to.deep.equal({ 'https://a.example/rss.xml': 75, 'https://b.example/rss.xml': 0, 'https://a.example/atom.xml': 70 });
    });

    it('applies a batch all or nothing', async () => {
      const good = article('g1', '2016-07-01T10:00:00Z');
      const broken = put(article('g2', '2016-07-01T10:00:00Z')) as Extract<ArticleWrite, { kind: 'put' }>;
      // A value the store cannot write (a circular article) fails the whole batch.
      const circular = broken.article as unknown as Record<string, unknown>;
      circular.self = circular;
      let failed = false;
      try {
        await store.writeArticles([put(good), broken], 1000);
      } catch {
        failed = true;
      }
      expect(failed).to.equal(true);
      expect(await store.getArticle('g1')).to.equal(undefined);
    });

    describe('one owner per reader id (guid, else id prefix + id)', () => {
      it('refuses a second article with the same guid: the whole batch fails, naming both, and the first stays', async () => {
        await store.writeArticles([put(article('a1', '2016-07-01T10:00:00Z', { guid: G }), 'file:a1.json')], 1000);
        const err = await failure(store.writeArticles([put(article('other', '2016-07-02T10:00:00Z')), put(article('a1-copy', '2016-07-01T10:00:00Z', { guid: G }), 'file:a1-copy.json')], 2000));
        expect(err).to.be.instanceOf(FeedwrightError);
        expect((err as FeedwrightError).code).to.equal('ITEM_ID_TAKEN');
        expect((err as FeedwrightError).message).to.include('a1-copy').and.include('"a1"').and.include(G);
        expect((err as FeedwrightError).problems.map((p) => p.field)).to.deep.equal(['guid']);
        expect(await store.getArticle('other')).to.equal(undefined);
        expect(await store.getArticle('a1-copy')).to.equal(undefined);
        expect((await store.newestInScope('', 10)).map((s) => s.article.id)).to.deep.equal(['a1']);
        expect(await store.readerIdOwner(G)).to.deep.equal({ id: 'a1', source: 'file:a1.json' });
      });

      it('with onRefused, leaves out only the refused article and reports its owner', async () => {
        await store.writeArticles([put(article('a1', '2016-07-01T10:00:00Z', { guid: G }), 'file:a1.json')], 1000);
        const refused = await writeSkipping(store, [put(article('other', '2016-07-02T10:00:00Z')), put(article('a1-copy', '2016-07-01T10:00:00Z', { guid: G }), 'import')], 2000);
        expect(refused).to.deep.equal([{ index: 1, id: 'a1-copy', field: 'guid', readerId: G, ownerId: 'a1', ownerSource: 'file:a1.json' }]);
        expect((await store.newestInScope('', 10)).map((s) => s.article.id)).to.deep.equal(['other', 'a1']);
      });

      it("refuses a guid equal to another article's generated id, and a generated id equal to another's guid", async () => {
        await store.writeArticles([put(article('x1', '2016-07-01T10:00:00Z'))], 1000);
        expect(await writeSkipping(store, [put(article('y1', '2016-07-02T10:00:00Z', { guid: `${CONTRACT_PREFIX}x1` }))], 2000)).to.deep.equal([
          { index: 0, id: 'y1', field: 'guid', readerId: `${CONTRACT_PREFIX}x1`, ownerId: 'x1', ownerSource: 'api' },
        ]);
        await store.writeArticles([put(article('z1', '2016-07-03T10:00:00Z', { guid: `${CONTRACT_PREFIX}w1` }))], 3000);
        expect(await writeSkipping(store, [put(article('w1', '2016-07-04T10:00:00Z'))], 4000)).to.deep.equal([
          { index: 0, id: 'w1', field: 'id', readerId: `${CONTRACT_PREFIX}w1`, ownerId: 'z1', ownerSource: 'api' },
        ]);
        expect((await store.newestInScope('', 10)).map((s) => s.article.id)).to.deep.equal(['z1', 'x1']);
      });

      it("refuses an item id that is one of the site's feed ids (the feed keeps it)", async () => {
        const refused = await writeSkipping(store, [
          put(article('feed', '2016-07-01T10:00:00Z')),
          put(article('g1', '2016-07-01T10:00:00Z', { guid: `${CONTRACT_PREFIX}feed/tags/oil` })),
          put(article('feedback', '2016-07-01T10:00:00Z')),
          put(article('g2', '2016-07-01T10:00:00Z', { guid: `${CONTRACT_PREFIX}feeds` })),
        ], 1000);
        expect(refused).to.deep.equal([
          { index: 0, id: 'feed', field: 'id', readerId: `${CONTRACT_PREFIX}feed`, ownerId: `${CONTRACT_PREFIX}feed`, ownerSource: 'feed' },
          { index: 1, id: 'g1', field: 'guid', readerId: `${CONTRACT_PREFIX}feed/tags/oil`, ownerId: `${CONTRACT_PREFIX}feed/tags/oil`, ownerSource: 'feed' },
        ]);
        expect((await store.newestInScope('', 10)).map((s) => s.article.id).sort()).to.deep.equal(['feedback', 'g2']);
      });

      it('lets an article keep, rewrite and change its own guid; the guid it left is free', async () => {
        await store.writeArticles([put(article('a1', '2016-07-01T10:00:00Z', { guid: G }))], 1000);
        expect(await store.writeArticles([put(article('a1', '2016-07-01T10:00:00Z', { guid: G, title: 'Edited' }))], 2000)).to.have.length(1);
        await store.writeArticles([put(article('a1', '2016-07-01T10:00:00Z', { guid: `${G}&v=2` }))], 3000);
        expect(await writeSkipping(store, [put(article('a2', '2016-07-02T10:00:00Z', { guid: G }))], 4000)).to.deep.equal([]);
        expect((await writeSkipping(store, [put(article('a3', '2016-07-02T10:00:00Z', { guid: `${G}&v=2` }))], 5000)).map((r) => r.ownerId)).to.deep.equal(['a1']);
      });

      it('frees the id of a removed article (a tombstone owns none); restoring it is then refused', async () => {
        await store.writeArticles([put(article('a1', '2016-07-01T10:00:00Z', { guid: G }))], 1000);
        await store.writeArticles([{ kind: 'delete', id: 'a1' }], 2000);
        expect(await store.readerIdOwner(G)).to.equal(undefined);
        expect(await writeSkipping(store, [put(article('a2', '2016-07-02T10:00:00Z', { guid: G }))], 3000)).to.deep.equal([]);
        const refused = await writeSkipping(store, [put(article('a1', '2016-07-01T10:00:00Z', { guid: G }))], 4000);
        expect(refused.map((r) => [r.id, r.ownerId])).to.deep.equal([['a1', 'a2']]);
        expect(await store.getArticle('a1')).to.equal(undefined);
      });

      it('within one batch: a removal frees the id for a later write, and of two new claimants the first wins', async () => {
        await store.writeArticles([put(article('a1', '2016-07-01T10:00:00Z', { guid: G }))], 1000);
        expect(await writeSkipping(store, [{ kind: 'delete', id: 'a1' }, put(article('a2', '2016-07-02T10:00:00Z', { guid: G }))], 2000)).to.deep.equal([]);
        const refused = await writeSkipping(store, [put(article('b1', '2016-07-03T10:00:00Z', { guid: 'urn:b' })), put(article('b2', '2016-07-03T10:00:00Z', { guid: 'urn:b' }))], 3000);
        expect(refused.map((r) => [r.index, r.id, r.ownerId])).to.deep.equal([[1, 'b2', 'b1']]);
      });

      it('a put that replaces an article of the same source takes its guid in the same step; a refused one leaves the old in place', async () => {
        await store.writeArticles([put(article('old-id', '2016-07-01T10:00:00Z', { guid: G }), 'file:x.json')], 1000);
        // Another source cannot take it over this way.
        expect((await writeSkipping(store, [put(article('new-id', '2016-07-01T10:00:00Z', { guid: G }), 'file:y.json', 'old-id')], 2000)).map((r) => r.ownerId)).to.deep.equal(['old-id']);
        expect(await store.getArticle('old-id')).to.not.equal(undefined);
        // A replacement whose own guid is taken by a third article: nothing changes.
        await store.writeArticles([put(article('third', '2016-07-01T10:00:00Z', { guid: 'urn:third' }))], 3000);
        expect((await writeSkipping(store, [put(article('new-id', '2016-07-01T10:00:00Z', { guid: 'urn:third' }), 'file:x.json', 'old-id')], 4000)).map((r) => r.ownerId)).to.deep.equal(['third']);
        expect(await store.getArticle('old-id')).to.not.equal(undefined);
        // The same file renaming its id and keeping its guid: one step.
        const changes = await store.writeArticles([put(article('new-id', '2016-07-01T10:00:00Z', { guid: G }), 'file:x.json', 'old-id')], 5000);
        expect(changes.map((c) => c.id).sort()).to.deep.equal(['new-id', 'old-id']);
        expect(await store.getArticle('old-id')).to.equal(undefined);
        expect(await store.readerIdOwner(G)).to.deep.equal({ id: 'new-id', source: 'file:x.json' });
      });
    });

    describe('feeds and their labels', () => {
      it('gives names that differ in a symbol their own feeds and labels (C++, C#, C; .NET, NET)', async () => {
        const tags = ['C++', 'C#', 'C', '.NET', 'NET', 'AC/DC', 'ACDC'];
        await store.writeArticles(tags.map((t, i) => put(article(`t${i}`, '2016-07-01T10:00:00Z', { tags: [t] }))), 1000);
        const scopes = (await store.listScopes()).filter((s) => s.key.startsWith('tags/'));
        expect(scopes).to.have.length(tags.length);
        for (const t of tags) expect(scopes.find((s) => s.key === `tags/${slugify(t)}`), t).to.deep.equal({ key: `tags/${slugify(t)}`, label: t, items: 1 });
      });

      it('keeps apart section names that differ only in punctuation', async () => {
        const names = ['Arts & Culture', 'Arts, Culture', 'Arts Culture'];
        await store.writeArticles(names.map((n, i) => put(article(`s${i}`, '2016-07-01T10:00:00Z', { section: ['News', n] }))), 1000);
        const keys = (await store.listScopes()).map((s) => s.key).filter((k) => k.startsWith('sections/news/'));
        expect(keys).to.have.length(3);
        expect((await store.listScopes(keys)).map((s) => s.label).sort()).to.deep.equal(names.map((n) => `News / ${n}`).sort());
      });

      for (const order of [['Syria', 'syria', 'SYRIA'], ['SYRIA', 'Syria', 'syria'], ['syria', 'SYRIA', 'Syria']]) {
        it(`keeps the first label a scope got while articles come and go (${order.join(', ')})`, async () => {
          const seen: string[] = [];
          const label = async () => {
            const [s] = await store.listScopes(['tags/syria']);
            seen.push(s?.label ?? (await store.scopeLabels(['tags/syria'])).get('tags/syria') ?? '(none)');
          };
          let now = 1000;
          for (const [i, name] of order.entries()) {
            await store.writeArticles([put(article(`s${i}`, `2016-07-0${i + 1}T10:00:00Z`, { tags: [name] }))], (now += 1000));
            await label();
          }
          await store.writeArticles([{ kind: 'delete', id: 's0' }], (now += 1000));
          await label();
          await store.writeArticles([{ kind: 'delete', id: 's1' }, { kind: 'delete', id: 's2' }], (now += 1000));
          expect(await store.listScopes(['tags/syria'])).to.deep.equal([]);
          await label();
          await store.writeArticles([put(article('s9', '2016-07-09T10:00:00Z', { tags: [order[2] as string] }))], (now += 1000));
          await label();
          expect(seen).to.deep.equal(seen.map(() => order[0]));
        });
      }
    });

    describe('archive months (RFC 5005): items in a range and the neighbouring items', () => {
      const at = (iso: string) => Date.parse(iso);
      beforeEach(async () => {
        await store.writeArticles([
          put(article('m1', '2016-05-31T23:59:59Z')),
          put(article('m2', '2016-06-01T00:00:00Z')),
          put(article('m3', '2016-06-15T12:00:00Z')),
          // Same second as m3: ties go by id, descending.
          put(article('m4', '2016-06-15T12:00:00Z')),
          put(article('m5', '2016-07-01T00:00:00Z', { tags: ['Gas'] })),
          put(article('m6', '2016-09-10T00:00:00Z')),
        ], 1000);
        await store.writeArticles([{ kind: 'delete', id: 'm6' }], 2000);
      });

      it('gives the items of [from, to), newest first with ties by id descending, tombstones and other scopes left out', async () => {
        const june = await store.itemsInScopeBetween('tags/oil', at('2016-06-01T00:00:00Z'), at('2016-07-01T00:00:00Z'));
        expect(june.map((s) => s.article.id)).to.deep.equal(['m4', 'm3', 'm2']);
        expect(june[0]?.digest).to.equal(articleDigest(june[0]!.article));
        expect((await store.itemsInScopeBetween('tags/gas', at('2016-06-01T00:00:00Z'), at('2016-07-01T00:00:00Z'))).map((s) => s.article.id)).to.deep.equal([]);
        expect((await store.itemsInScopeBetween('tags/gas', at('2016-07-01T00:00:00Z'), at('2016-08-01T00:00:00Z'))).map((s) => s.article.id)).to.deep.equal(['m5']);
        expect((await store.itemsInScopeBetween('', at('2016-09-01T00:00:00Z'), at('2016-10-01T00:00:00Z'))).map((s) => s.article.id)).to.deep.equal([]);
        // An embargo: only what is published at or before visibleAt.
        expect((await store.itemsInScopeBetween('', at('2016-06-01T00:00:00Z'), at('2016-07-01T00:00:00Z'), at('2016-06-10T00:00:00Z'))).map((s) => s.article.id)).to.deep.equal(['m2']);
      });

      it('finds the newest item before an instant and the oldest from one (embargoes and tombstones excluded)', async () => {
        expect(await store.publishedBeforeInScope('', at('2016-06-01T00:00:00Z'))).to.equal(at('2016-05-31T23:59:59Z'));
        expect(await store.publishedBeforeInScope('', at('2016-05-31T23:59:59Z'))).to.equal(undefined);
        expect(await store.publishedFromInScope('', at('2016-06-16T00:00:00Z'))).to.equal(at('2016-07-01T00:00:00Z'));
        expect(await store.publishedFromInScope('', at('2016-07-01T00:00:01Z'))).to.equal(undefined);
        expect(await store.publishedFromInScope('', at('2016-06-16T00:00:00Z'), at('2016-06-30T00:00:00Z'))).to.equal(undefined);
        expect(await store.publishedBeforeInScope('tags/gas', at('2016-07-01T00:00:00Z'))).to.equal(undefined);
        expect(await store.publishedFromInScope('sections/news/iran', at('2016-01-01T00:00:00Z'))).to.equal(at('2016-05-31T23:59:59Z'));
        expect(typeof (await store.publishedFromInScope('', 0))).to.equal('number');
      });
    });
  });
}
