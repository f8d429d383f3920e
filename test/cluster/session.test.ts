// The compiler lock and the publish fence, in-process against PostgreSQL: one session holds the
// lock at a time and another gets it once the holder's session ends; a publish records the
// bodies it names before the manifest, announces itself with NOTIFY, and a compiler that lost
// the lock cannot record one.
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FeedwrightError } from '../../src/core/errors.js';
import { createPublishingStore } from '../../src/cluster/publishing-store.js';
import { openClusterSession, type ClusterSession } from '../../src/cluster/session.js';
import { variantTag } from '../../src/publish/header-rules.js';
import { openPgStore, type PgStore } from '../../src/store/pg-store.js';
import { fetchBodies } from '../../src/store/pg/bodies.js';
import type { PublishRecord } from '../../src/store/store.js';
import { removeDir } from '../support/fixtures.js';
import { until } from '../support/cluster.js';
import { needPostgres, TestSchemas } from '../support/pg.js';

/** A publish of one document whose identity and gzip bodies are written to `dir`. */
function publishOf(dir: string, hash: string): PublishRecord {
  writeFileSync(join(dir, variantTag(hash, 'identity')), `identity ${hash}`);
  writeFileSync(join(dir, variantTag(hash, 'gzip')), `gzip ${hash}`);
  return {
    states: new Map([['', { digest: `d-${hash}`, lastModified: 1_468_000_000_000 }]]),
    documents: [{ path: '/rss.xml', origin: 'https://example.org', record: { contentType: 'application/rss+xml; charset=utf-8', lastModified: 1_468_000_000_000, hash, sizes: { identity: 9 + hash.length, gzip: 5 + hash.length, br: 0 } } }],
    renderDigest: 'r',
    visibleUntil: 0,
    changeSeq: 0,
  };
}

describe('the compiler lock and the publish fence (PostgreSQL)', function () {
  this.timeout(60_000);
  const schemas = new TestSchemas();
  const sessions: ClusterSession[] = [];
  let store: PgStore | undefined;
  let dir: string;
  before(function () {
    return needPostgres(this);
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'feedwright-fence-'));
  });
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
    await store?.close();
    store = undefined;
    removeDir(dir);
  });
  after(() => schemas.dropAll());

  const session = async (s: PgStore, onPublished = () => {}) => {
    const opened = openClusterSession({ url: s.url, schema: s.schema, log: () => {}, events: { up() {}, down() {}, published: onPublished, changed() {} } });
    sessions.push(opened);
    await until('the session connected', 10_000, async () => (opened.connected() ? true : undefined));
    return opened;
  };

  it('lets one session hold the compiler lock, and another take it once that session ends', async () => {
    const { url } = await schemas.create();
    store = await openPgStore(url, { idPrefix: 'tag:example.org,2016:' });
    const a = await session(store);
    const b = await session(store);
    expect(await a.tryLock()).to.equal(true);
    expect(await b.tryLock()).to.equal(false);
    expect(await a.tryLock(), 'held already').to.equal(true);
    await a.close();
    expect(a.holdsLock()).to.equal(false);
    await until('B holding the lock', 10_000, async () => ((await b.tryLock()) ? true : undefined));
  });

  it('records the bodies before the manifest and announces it; a compiler without the lock records nothing', async () => {
    const { url } = await schemas.create();
    store = await openPgStore(url, { idPrefix: 'tag:example.org,2016:' });
    let heard = 0;
    const a = await session(store);
    const b = await session(store, () => (heard += 1));
    expect(await a.tryLock()).to.equal(true);

    await createPublishingStore(store, dir, a).writePublish(publishOf(dir, 'hash1'));
    expect((await store.readPublished()).documents.map((d) => d.record.hash)).to.deep.equal(['hash1']);
    const stored = new Map<string, string>();
    const missing = await fetchBodies(store.pool, [variantTag('hash1', 'identity'), variantTag('hash1', 'gzip')], async (tag, bytes) => void stored.set(tag, bytes.toString()));
    expect(missing).to.deep.equal([]);
    expect(stored.get(variantTag('hash1', 'identity'))).to.equal('identity hash1');
    await until('B hearing of the publish', 10_000, async () => (heard > 0 ? true : undefined));
    expect((await store.readPublishPosition()).publishSeq).to.equal(1);

    // A loses its session (and the lock with it); B takes the lock.
    await a.close();
    await until('B holding the lock', 10_000, async () => ((await b.tryLock()) ? true : undefined));
    const refused = await createPublishingStore(store, dir, a).writePublish(publishOf(dir, 'hash2')).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).to.be.instanceOf(FeedwrightError);
    expect((refused as FeedwrightError).code).to.equal('NOT_COMPILER');
    expect((await store.readPublished()).documents.map((d) => d.record.hash), 'the manifest is unchanged').to.deep.equal(['hash1']);

    await createPublishingStore(store, dir, b).writePublish(publishOf(dir, 'hash3'));
    expect((await store.readPublished()).documents.map((d) => d.record.hash)).to.deep.equal(['hash3']);
  });

  it('refuses a publish whose bodies are neither stored nor in the body folder', async () => {
    const { url } = await schemas.create();
    store = await openPgStore(url, { idPrefix: 'tag:example.org,2016:' });
    const a = await session(store);
    expect(await a.tryLock()).to.equal(true);
    const publish = publishOf(dir, 'hash4');
    (publish.documents[0] as { record: { hash: string } }).record.hash = 'not-written';
    const err = await createPublishingStore(store, dir, a).writePublish(publish).then(() => undefined, (e: unknown) => e);
    expect((err as FeedwrightError).code).to.equal('STORE_QUERY');
    expect((await store.readPublished()).documents).to.deep.equal([]);
  });
});
