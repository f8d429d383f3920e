// A feed import killed with SIGKILL part-way (issue 5 "store safety", issue 6 faults): the store
// holds whole batches only — every stored article complete and valid, none half-written — and a
// second import completes the job.
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateArticle } from '../../src/core/article.js';
import { removeDir, sampleSite } from '../support/fixtures.js';
import { builtCli, CLI } from '../support/paths.js';

const ITEMS = 6000;

function bigFeed(): string {
  let items = '';
  for (let i = 0; i < ITEMS; i += 1) {
    items += `<item><title>Item ${i}</title><link>https://example.com/news/${i}</link><guid isPermaLink="false">https://example.com/?p=${i}</guid>`
      + `<pubDate>Mon, 04 Jul 2016 ${String(i % 24).padStart(2, '0')}:00:00 +0000</pubDate><category>Tag ${i % 7}</category>`
      + `<description><![CDATA[<p>${'Body text '.repeat(200)} ${i}</p>]]></description></item>\n`;
  }
  return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Big</title><link>https://example.com/</link><description>d</description>\n${items}</channel></rss>\n`;
}

function storedCount(db: string): number {
  if (!existsSync(db)) return 0;
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return (conn.prepare("SELECT COUNT(*) AS n FROM articles WHERE source = 'import'").get() as { n: number }).n;
  } catch {
    return 0;
  } finally {
    conn.close();
  }
}

describe('faults: SIGKILL during an import', function () {
  this.timeout(180_000);
  let dir: string;
  before(() => {
    builtCli();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'feedwright-import-kill-'));
    mkdirSync(join(dir, 'articles'));
    writeFileSync(join(dir, 'site.json'), JSON.stringify(sampleSite()));
    writeFileSync(join(dir, 'big.xml'), bigFeed());
  });
  afterEach(() => removeDir(dir));

  it('leaves only whole batches, every article valid, and a rerun completes the import', async () => {
    const db = join(dir, 'feedwright.db');
    const child = spawn(process.execPath, [CLI, 'import', join(dir, 'big.xml'), '--data', dir], { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    // Kill once some batches are in, well before the end.
    const deadline = Date.now() + 120_000;
    while (storedCount(db) < 400 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;

    const conn = new Database(db, { readonly: true });
    const rows = conn.prepare("SELECT doc FROM articles WHERE source = 'import'").all() as { doc: string }[];
    conn.close();
    expect(rows.length).to.be.greaterThan(0);
    expect(rows.length).to.be.below(ITEMS);
    expect(rows.length % 200, 'whole batches of 200 only').to.equal(0);
    for (const row of rows) {
      const stored = JSON.parse(row.doc) as Record<string, unknown>;
      const again = validateArticle({ ...stored, published: new Date(stored.published as number).toISOString() }, 'UTC');
      expect('article' in again, String(stored.id)).to.equal(true);
    }

    const rerun = spawnSync(process.execPath, [CLI, 'import', join(dir, 'big.xml'), '--data', dir], { encoding: 'utf8' });
    expect(rerun.status, rerun.stderr).to.equal(0);
    expect(rerun.stdout).to.match(new RegExp(`imported ${ITEMS - rows.length}, updated 0, unchanged ${rows.length}, skipped 0 of ${ITEMS}`));
    expect(storedCount(db)).to.equal(ITEMS);
  });
});
