// The contract every ArticleStore keeps, run against each implementation.
import { expect } from 'chai';
import { articleDigest, parseArticle, type Article } from '../../src/core/article.js';
import type { ArticleStore } from '../../src/store/store.js';

function article(id: string, published: string, extra: Record<string, unknown> = {}): Article {
  return parseArticle({ id, path: `/a/${id}`, title: `Title ${id}`, body: `<p>${id}</p>`, published, section: ['News', 'Iran'], tags: ['Oil'], ...extra }, 'Asia/Tehran');
}

function put(a: Article, source = 'api') {
  return { kind: 'put' as const, article: a, digest: articleDigest(a), source };
}

/** Runs the contract against stores made by `open` (each test gets a fresh, empty store). */
export function storeContract(name: string, open: () => Promise<ArticleStore>): void {
  describe(`${name} (store contract)`, () => {
    let store: ArticleStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
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

    it('applies a batch all or nothing', async () => {
      const good = article('g1', '2016-07-01T10:00:00Z');
      const broken = { ...put(article('g2', '2016-07-01T10:00:00Z')) };
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
  });
}
