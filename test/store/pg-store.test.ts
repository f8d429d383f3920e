// The PostgreSQL store against a real server: the shared contract (a fresh schema per store),
// migrations at open (several instances at once), read-only connections, the reader-id index,
// the change log under concurrent writers, and the same order as SQLite.
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { articleDigest, parseArticle, type Article } from '../../src/core/article.js';
import { FeedwrightError } from '../../src/core/errors.js';
import { PG_NEWEST_IN_SCOPE_SQL, openPgStore } from '../../src/store/pg-store.js';
import { migrate, MIGRATIONS, PG_SCHEMA_VERSION } from '../../src/store/pg/migrations.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { ArticleStore, ArticleWrite, WriteRefusal } from '../../src/store/store.js';
import { CONTRACT_PREFIX, failure, storeContract } from './store-contract.js';
import { needPostgres, PG_URL, TestSchemas, withSearchPath } from '../support/pg.js';
import { removeDir } from '../support/fixtures.js';

const G = 'https://old.example.org/?p=1234';
const schemas = new TestSchemas();

function article(id: string, published: string, extra: Record<string, unknown> = {}): Article {
  return parseArticle({ id, path: `/a/${id}`, title: `Title ${id}`, body: `<p>${id}</p>`, published, ...extra }, 'UTC');
}
const put = (a: Article, source = 'api'): ArticleWrite => ({ kind: 'put', article: a, digest: articleDigest(a), source });


describe('PostgreSQL store', function () {
  before(function () {
    return needPostgres(this);
  });
  after(() => schemas.dropAll());

  storeContract('PostgreSQL store', async (options) => openPgStore((await schemas.create()).url, options));

  describe('schema and migrations', () => {
    it('comes up in every instance opened at the same instant on an empty schema, migrated once', async () => {
      const { schema, url } = await schemas.create();
      const lines: string[] = [];
      const stores = await Promise.all([1, 2, 3, 4].map(() => openPgStore(url, { idPrefix: CONTRACT_PREFIX, log: (l) => lines.push(l) })));
      try {
        expect(lines).to.deep.equal([`store: PostgreSQL schema "${schema}" migrated from version 0 to ${PG_SCHEMA_VERSION}`]);
        const { rows } = await schemas.sql(`SELECT version FROM ${schema}.feedwright_migrations ORDER BY version`);
        expect(rows.map((r: { version: number }) => r.version)).to.deep.equal(MIGRATIONS.map((m) => m.version));
        // Each instance writes and sees the others' writes.
        for (const [i, s] of stores.entries()) await s.writeArticles([put(article(`a${i}`, '2016-07-01T10:00:00Z'))], 1000 + i);
        for (const s of stores) expect(await s.countArticles()).to.equal(stores.length);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
      // Opened again: nothing to migrate, nothing logged.
      const again = await openPgStore(url, { idPrefix: CONTRACT_PREFIX, log: (l) => lines.push(l) });
      await again.close();
      expect(lines).to.have.length(1);
    });

    it('migrates a store at version 3 to 4: the hub subscriptions table is added (issue 14)', async () => {
      const { url } = await schemas.create();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query('BEGIN');
        expect(await migrate(client as unknown as pg.PoolClient, MIGRATIONS.filter((m) => m.version <= 3))).to.deep.equal({ from: 0, to: 3 });
        await client.query('COMMIT');
        expect((await client.query("SELECT to_regclass('hub_subscriptions') IS NULL AS none")).rows[0]).to.deep.equal({ none: true });
      } finally {
        await client.end();
      }
      const lines: string[] = [];
      const store = await openPgStore(url, { idPrefix: CONTRACT_PREFIX, log: (l) => lines.push(l) });
      try {
        expect(lines.some((l) => / migrated from version 3 to \d+$/.test(l))).to.equal(true);
        const sub = { topic: 'https://example.org/atom.xml', callback: 'http://sub.example/cb', leaseSeconds: 60, expiresAt: 61_000, createdAt: 1000, verifiedAt: 1000 };
        await store.putSubscription(sub);
        expect(await store.listSubscriptions(1000)).to.deep.equal([sub]);
      } finally {
        await store.close();
      }
    });

    it('migrates a store at version 5 to 6: every article gets its place in commit order, numbered as the change list gave them before, (changed_at, id)', async () => {
      const { schema, url } = await schemas.create();
      const store = await openPgStore(url, { idPrefix: CONTRACT_PREFIX });
      await store.writeArticles([put(article('b', '2016-07-01T10:00:00Z'))], 3000);
      await store.writeArticles([put(article('c', '2016-07-01T10:00:00Z')), put(article('a', '2016-07-01T10:00:00Z'))], 1000);
      await store.close();
      // What version 5 had: no change_seq column.
      await schemas.sql(`DROP TRIGGER articles_change_seq ON ${schema}.articles; DROP FUNCTION ${schema}.articles_next_change_seq(); DROP INDEX ${schema}.articles_change_seq; ALTER TABLE ${schema}.articles DROP COLUMN change_seq; DELETE FROM ${schema}.feedwright_migrations WHERE version = 6`);
      const lines: string[] = [];
      const upgraded = await openPgStore(url, { idPrefix: CONTRACT_PREFIX, log: (l) => lines.push(l) });
      try {
        expect(lines).to.deep.equal([`store: PostgreSQL schema "${schema}" migrated from version 5 to 6`]);
        expect((await upgraded.listChangedSince(0, 10)).map((c) => [c.id, c.changeSeq])).to.deep.equal([['a', 1], ['c', 2], ['b', 3]]);
        await upgraded.writeArticles([{ kind: 'delete', id: 'a' }], 500);
        expect((await upgraded.listChangesAfter(3, 10)).map((c) => [c.id, c.changeSeq, c.deleted])).to.deep.equal([['a', 4, true]]);
      } finally {
        await upgraded.close();
      }
    });

    it('numbers a change made by a writer that knows nothing of change_seq (an older instance during a rolling upgrade): the trigger gives the number', async () => {
      const { schema, url } = await schemas.create();
      const store = await openPgStore(url, { idPrefix: CONTRACT_PREFIX });
      try {
        await store.writeArticles([put(article('n1', '2016-07-01T10:00:00Z'))], 1000);
        // What version 5's statements do: no change_seq anywhere.
        await schemas.sql(`INSERT INTO ${schema}.articles (id, doc, digest, published, changed_at, source, deleted, reader_id) VALUES ('o1', '{}', 'd', 0, 2000, 'api', false, 'tag:o1')`);
        await schemas.sql(`UPDATE ${schema}.articles SET deleted = true, changed_at = 3000 WHERE id = 'n1'`);
        expect((await store.listChangesAfter(0, 10)).map((c) => [c.id, c.changeSeq, c.deleted])).to.deep.equal([['o1', 2, false], ['n1', 3, true]]);
      } finally {
        await store.close();
      }
    });

    it('applies only the migrations above the recorded version, keeping the data (1 to a later version)', async () => {
      const { schema, url } = await schemas.create();
      const store = await openPgStore(url, { idPrefix: CONTRACT_PREFIX });
      await store.writeArticles([put(article('kept', '2016-07-01T10:00:00Z', { tags: ['Oil'] }))], 1000);
      await store.close();
      // A later version of the code: one more migration, which must run once and see the data.
      const next = [...MIGRATIONS, { version: PG_SCHEMA_VERSION + 1, name: 'test: a column filled from the data', sql: 'ALTER TABLE articles ADD COLUMN title text; UPDATE articles SET title = doc::json ->> \'title\'' }];
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        for (const expected of [{ from: PG_SCHEMA_VERSION, to: PG_SCHEMA_VERSION + 1 }, { from: PG_SCHEMA_VERSION + 1, to: PG_SCHEMA_VERSION + 1 }]) {
          await client.query('BEGIN');
          expect(await migrate(client as unknown as pg.PoolClient, next)).to.deep.equal(expected);
          await client.query('COMMIT');
        }
        expect((await client.query('SELECT id, title FROM articles')).rows).to.deep.equal([{ id: 'kept', title: 'Title kept' }]);
      } finally {
        await client.end();
      }
      // This code now meets a newer schema: it refuses it and changes nothing.
      const err = await failure(openPgStore(url, { idPrefix: CONTRACT_PREFIX }));
      expect(err).to.be.instanceOf(FeedwrightError);
      expect((err as FeedwrightError).code).to.equal('STORE_OPEN');
      expect((err as Error).message).to.match(new RegExp(`cannot open the PostgreSQL store postgres.*: the store has schema version ${PG_SCHEMA_VERSION + 1}, written by a newer feedwright`));
      expect((await schemas.sql(`SELECT count(*)::int AS n FROM ${schema}.articles`)).rows[0]).to.deep.equal({ n: 1 });
    });

    it('names the server and database, never the password, when it cannot connect or the schema is missing', async () => {
      const down = await failure(openPgStore('postgres://feedwright:s3cret@127.0.0.1:1/nowhere', { idPrefix: CONTRACT_PREFIX }));
      expect((down as FeedwrightError).code).to.equal('STORE_OPEN');
      expect((down as Error).message).to.match(/^cannot open the PostgreSQL store postgres:\/\/127\.0\.0\.1:1\/nowhere: \S/);
      expect((down as Error).message).to.not.include('s3cret');
      const missing = await failure(openPgStore(withSearchPath(PG_URL as string, 'fw_test_absent'), { idPrefix: CONTRACT_PREFIX }));
      expect((missing as Error).message).to.match(/cannot open the PostgreSQL store .*: no schema of the search path exists/);
    });
  });

  describe('read-only connections (a render worker\'s)', () => {
    it('refuses a schema holding no store, reads what a writer commits, and cannot write', async () => {
      const { url } = await schemas.create();
      const early = await failure(openPgStore(url, { idPrefix: CONTRACT_PREFIX, readOnly: true }));
      expect((early as Error).message).to.match(/: schema "fw_test_\w+" holds no store yet/);
      const writer = await openPgStore(url, { idPrefix: CONTRACT_PREFIX });
      const reader = await openPgStore(url, { idPrefix: CONTRACT_PREFIX, readOnly: true });
      try {
        await writer.writeArticles([put(article('a1', '2016-07-01T10:00:00Z'))], 1000);
        expect((await reader.newestInScope('', 10)).map((s) => s.article.id)).to.deep.equal(['a1']);
        const err = await failure(reader.writeArticles([put(article('a2', '2016-07-01T10:00:00Z'))], 2000));
        expect((err as FeedwrightError).code).to.equal('STORE_QUERY');
        expect((err as Error).message).to.match(/read-only transaction/);
        expect(await writer.countArticles()).to.equal(1);
        // Prepared forms are a cache only the writer keeps: a read-only store stores none, quietly.
        const a1 = article('a1', '2016-07-01T10:00:00Z');
        expect(await reader.storePrepared([{ id: 'a1', digest: articleDigest(a1), prepared: { key: 'k', data: '{}' } }])).to.equal(0);
        expect((await writer.getArticle('a1'))?.prepared).to.equal(undefined);
      } finally {
        await reader.close();
        await writer.close();
      }
    });
  });

  describe('one owner per reader id, enforced by the schema', () => {
    it('holds across two instances on one schema, and against a raw insert', async () => {
      const { url } = await schemas.create();
      const one = await openPgStore(url, { idPrefix: CONTRACT_PREFIX });
      const two = await openPgStore(url, { idPrefix: CONTRACT_PREFIX });
      try {
        await one.writeArticles([put(article('a1', '2016-07-01T10:00:00Z', { guid: G }), 'import')], 1000);
        const refused: WriteRefusal[] = [];
        await two.writeArticles([put(article('a2', '2016-07-01T10:00:00Z', { guid: G }))], 2000, { onRefused: (r) => refused.push(r) });
        expect(refused.map((r) => [r.id, r.ownerId, r.ownerSource])).to.deep.equal([['a2', 'a1', 'import']]);
      } finally {
        await one.close();
        await two.close();
      }
      const raw = new pg.Client({ connectionString: url });
      await raw.connect();
      try {
        const insert = "INSERT INTO articles (id, doc, digest, published, changed_at, source, deleted, reader_id) VALUES ('raw', '{}', 'd', 0, 0, 'api', $1, $2)";
        expect(((await failure(raw.query(insert, [false, G]))) as { code: string }).code).to.equal('23505');
        // A tombstone may carry it: only live articles own an id.
        await raw.query(insert, [true, G]);
      } finally {
        await raw.end();
      }
    });

    it('two instances racing for one guid: exactly one wins, the other is refused', async () => {
      const { url } = await schemas.create();
      const stores = await Promise.all([1, 2].map(() => openPgStore(url, { idPrefix: CONTRACT_PREFIX })));
      try {
        const refused: WriteRefusal[] = [];
        await Promise.all(stores.map((s, i) => s.writeArticles([put(article(`r${i}`, '2016-07-01T10:00:00Z', { guid: G }))], 1000, { onRefused: (r) => refused.push(r) })));
        expect(refused).to.have.length(1);
        const owner = await stores[0]?.readerIdOwner(G);
        expect(owner?.id).to.equal(refused[0]?.ownerId);
        expect(await stores[1]?.countArticles()).to.equal(1);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    it('derives reader ids again when the id prefix changes, keeping the article published first', async () => {
      const { url } = await schemas.create();
      const next = 'tag:new.example,2020:';
      const first = await openPgStore(url, { idPrefix: CONTRACT_PREFIX });
      await first.writeFileIndex([{ name: 'y.json', mtimeMs: 1, size: 1, digest: 'd', articleId: 'y' }], []);
      await first.writeArticles([put(article('x', '2016-07-01T10:00:00Z')), put(article('y', '2016-07-02T10:00:00Z', { guid: `${next}x`, tags: ['Oil'] }), 'file:y.json')], 1000);
      const seq = await first.latestChangeSeq();
      await first.close();
      const lines: string[] = [];
      const second = await openPgStore(url, { idPrefix: next, log: (l) => lines.push(l) });
      try {
        expect(await second.readerIdOwner(`${next}x`)).to.deep.equal({ id: 'x', source: 'api' });
        expect(await second.getArticle('y')).to.equal(undefined);
        expect(lines).to.have.length(1);
        expect(lines[0]).to.include('"y"').and.include('"x"');
        // The set-aside file is read again (and reported) by the next sync; its feeds render again.
        expect(await second.readFileIndex()).to.deep.equal([]);
        expect((await second.readChangesSince(seq)).flatMap((c) => c.scopes)).to.include.members(['', 'tags/oil']);
      } finally {
        await second.close();
      }
    });
  });

  describe('the change log under concurrent writers', () => {
    it('a reader following it while two instances write misses no change (sequence numbers in commit order)', async () => {
      const { url } = await schemas.create();
      const writers = await Promise.all([1, 2].map(() => openPgStore(url, { idPrefix: CONTRACT_PREFIX })));
      const reader = await openPgStore(url, { idPrefix: CONTRACT_PREFIX, readOnly: true });
      try {
        const seen: number[] = [];
        let done = false;
        const follow = (async () => {
          let last = 0;
          while (!done || last < (await reader.latestChangeSeq())) {
            for (const c of await reader.readChangesSince(last)) {
              seen.push(c.seq);
              last = c.seq;
            }
          }
        })();
        await Promise.all(writers.map(async (w, i) => {
          for (let n = 0; n < 25; n += 1) await w.writeArticles([put(article(`w${i}-${n}`, '2016-07-01T10:00:00Z', { tags: [`T${n % 3}`] }))], 1000 + n);
        }));
        done = true;
        await follow;
        const all = (await reader.readChangesSince(0)).map((c) => c.seq);
        expect(all).to.have.length(50);
        expect(seen).to.deep.equal(all);
      } finally {
        await reader.close();
        await Promise.all(writers.map((w) => w.close()));
      }
    });
  });

  describe('order and the feed query', () => {
    it('orders ids and labels as SQLite does (byte order), whatever the database locale', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'feedwright-store-'));
      const sqlite = openSqliteStore(join(dir, 'feedwright.db'), { idPrefix: CONTRACT_PREFIX });
      const postgres = await openPgStore((await schemas.create()).url, { idPrefix: CONTRACT_PREFIX });
      try {
        const ids = ['b', 'B', 'a-1', 'a.1', 'a1', 'A', 'z', '~', 'Z9', '-x'];
        const tags = ['oil', 'Oil', 'OIL', 'öl', 'Öl', 'Ö-l'];
        const writes = ids.map((id, i) => put(article(id, '2016-07-01T10:00:00Z', { tags: [tags[i % tags.length]] })));
        const read = async (s: ArticleStore) => {
          await s.writeArticles(writes, 1000);
          return {
            newest: (await s.newestInScope('', 20)).map((x) => x.article.id),
            changed: (await s.listChangedSince(0, 20)).map((x) => x.id),
            scopes: await s.listScopes(),
          };
        };
        expect(await read(postgres)).to.deep.equal(await read(sqlite));
      } finally {
        await sqlite.close();
        await postgres.close();
        removeDir(dir);
      }
    });

    it('answers "newest N of a scope" from the primary key walked backwards, without a sort', async () => {
      const { url } = await schemas.create();
      const store = await openPgStore(url, { idPrefix: CONTRACT_PREFIX });
      await store.close();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        // An empty table would be scanned whole: ask for the plan the index allows.
        await client.query('SET enable_seqscan = off');
        const plan = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${PG_NEWEST_IN_SCOPE_SQL}`, ['tags/oil', Date.now(), 50])).rows.map((r) => r['QUERY PLAN']).join('\n');
        expect(plan).to.match(/Index (Only )?Scan Backward using scope_items_pkey on scope_items/);
        expect(plan).to.not.match(/Sort/);
      } finally {
        await client.end();
      }
    });
  });
});
