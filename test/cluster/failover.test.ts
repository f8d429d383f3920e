// Failover (issue 11): the compiling instance killed with SIGKILL in the middle of a compile.
// PostgreSQL releases its compiler lock with its session; another instance takes the lock,
// compiles what is pending, and every write the API acknowledged meanwhile is published on
// every instance. Readers only ever get complete documents (or 503 before the first set).
import { expect } from 'chai';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';
import { generateArchive } from '../../bench/generate.js';
import { get } from '../support/fixtures.js';
import { allReady, AUTH, clusterSuite, health, startInstance, until, untilAllAgree } from '../support/cluster.js';

function wellFormed(xml: string): boolean {
  let ok = true;
  const parser = new SaxesParser({ xmlns: true });
  parser.on('error', () => {
    ok = false;
  });
  try {
    parser.write(xml).close();
  } catch {
    ok = false;
  }
  return ok;
}

const article = (n: number) => JSON.stringify({ path: `/Detail/failover-${n}`, title: `Failover write ${n}`, body: `<p>Written during the compile, ${n}.</p>`, published: `2016-07-1${n}T09:00:00`, section: ['Failover'] });

describe('cluster failover (real processes)', function () {
  this.timeout(400_000);
  const { schemas, dirs, instances } = clusterSuite();

  it('SIGKILL of the compiler mid-compile: another instance takes over and every acknowledged write is published everywhere', async () => {
    const { url } = await schemas.create();
    // An archive large enough that the first compile (import and render) takes a while.
    const source = mkdtempSync(join(tmpdir(), 'feedwright-failover-'));
    dirs.push(source);
    await generateArchive({ dir: source, articles: 800 });
    const folders = ['A', 'B', 'C'].map((name) => {
      const dir = mkdtempSync(join(tmpdir(), `feedwright-failover-${name}-`));
      cpSync(source, dir, { recursive: true });
      dirs.push(dir);
      return dir;
    });
    const a = await startInstance('A', folders[0] as string, url);
    instances.push(a);
    await until('A compiling', 60_000, async () => ((await health(a)).body.cluster?.role === 'compiler' ? true : undefined));
    const b = await startInstance('B', folders[1] as string, url);
    const c = await startInstance('C', folders[2] as string, url);
    instances.push(b, c);
    await until('B and C replicas with a database session', 60_000, async () => {
      const hs = await Promise.all([b, c].map(health));
      return hs.every((h) => h.body.cluster?.role === 'replica' && h.body.cluster.database === 'ok') ? true : undefined;
    });

    // Writes acknowledged by B while A compiles.
    const acknowledged: number[] = [];
    for (let n = 1; n <= 5; n += 1) {
      const put = await get(b.port, `/api/articles/failover-${n}`, AUTH, 'PUT', article(n));
      expect(put.status, put.text).to.equal(201);
      acknowledged.push(n);
    }
    // Still mid-compile: A has published nothing yet.
    expect((await health(b)).status, 'nothing published before the kill').to.equal(503);
    a.child.kill('SIGKILL');

    // Readers of B and C meanwhile: 503 before a set exists, else complete, well-formed documents.
    let reading = true;
    const bad: string[] = [];
    const readers = [b, c].map(async (i) => {
      while (reading) {
        const r = await get(i.port, '/rss.xml').catch(() => undefined);
        if (r !== undefined && r.status !== 503 && (r.status !== 200 || !wellFormed(r.text))) bad.push(`${i.name}: ${r.status}`);
        await new Promise((res) => setTimeout(res, 100));
      }
    });
    try {
      const compiler = await until('B or C compiling', 60_000, async () => {
        for (const i of [b, c]) if ((await health(i)).body.cluster?.role === 'compiler') return i;
        return undefined;
      });
      await allReady([b, c], 300_000);
      const feed = await untilAllAgree([b, c], '/sections/failover/rss.xml', (t) => acknowledged.every((n) => t.includes(`Failover write ${n}`)), 120_000);
      expect(feed[0]?.text).to.include('Failover write 5');
      // Writes go on through either instance.
      const other = compiler === b ? c : b;
      const put = await get(other.port, '/api/articles/failover-9', AUTH, 'PUT', article(9));
      expect(put.status, put.text).to.equal(201);
      await untilAllAgree([b, c], '/sections/failover/rss.xml', (t) => t.includes('Failover write 9'));
    } finally {
      reading = false;
      await Promise.all(readers);
    }
    expect(bad, 'responses that were not complete documents').to.deep.equal([]);
  });
});
