// Everything a real `feedwright serve` writes is its structured log (review finding): with a
// schedule every second and compiles that take longer than that (thousands of articles, one
// render thread), ticks overlap running compiles; node-cron's default logger would write its
// coloured plain-text overlap warning to the console. Every line on stdout must parse as JSON and
// stderr must stay empty; the overlap is reported once per spell as our own structured warning.
import { expect } from 'chai';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { makeDataDir, removeDir, waitUntil } from './support/fixtures.js';
import { startServeProcess, type ServeProcess } from './support/serve-process.js';

const ARTICLES = 3000;

/** Article `i`: its own section and tags, so that a compile renders many feeds. */
function article(i: number, edit = 0): string {
  const body = Array.from({ length: 12 }, (_, p) => `<p>Paragraph ${p} of article ${i} (edit ${edit}): ${'words to render and escape & compress, '.repeat(8)}</p>`).join('\n');
  return JSON.stringify({ id: `a${i}`, path: `/Detail/2016/07/${String((i % 28) + 1).padStart(2, '0')}/${i}/Article-${i}`, title: `Article ${i} (edit ${edit})`, body, published: `2016-07-${String((i % 28) + 1).padStart(2, '0')}T09:00:00`, section: ['News', `Section ${i % 40}`], tags: [`tag-${i % 200}`, `topic-${i % 37}`] });
}

/** Each line of `text` parsed as JSON; throws naming the first line that is not. */
function jsonLines(text: string): Record<string, unknown>[] {
  return text.split('\n').filter((l) => l !== '').map((l) => {
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch {
      throw new Error(`not a JSON line: ${JSON.stringify(l)}`);
    }
  });
}

describe('serve: every line it writes is a JSON log record, compiles overlapping the schedule included', function () {
  this.timeout(300_000);
  let dataDir: string;
  let p: ServeProcess | undefined;

  before(() => {
    dataDir = makeDataDir({ copySample: false });
    for (let i = 0; i < ARTICLES; i += 1) writeFileSync(join(dataDir, 'articles', `a${i}.json`), article(i));
  });
  after(async () => {
    await p?.stop();
    removeDir(dataDir);
  });

  it('writes only JSON lines on stdout, nothing on stderr, and one structured warning per overlapping spell', async () => {
    p = await startServeProcess(dataDir, { LOG_LEVEL: 'info', FEEDWRIGHT_SCHEDULE: '* * * * * *', FEEDWRIGHT_RENDER_THREADS: '1' });
    const started = p;
    // Edits keep every compile busy for longer than the one-second period.
    for (let round = 1; round <= 3; round += 1) {
      for (let i = 0; i < ARTICLES; i += 7) writeFileSync(join(dataDir, 'articles', `a${i}.json`), article(i, round));
      await waitUntil(`round ${round} published`, () => jsonLines(started.stdout()).filter((r) => r.msg === 'published').length >= round + 1 && true, 120_000);
    }
    // Ticks overlapped compiles by now: nothing (node-cron's warning included) on stderr, JSON on stdout.
    expect(started.stderr(), 'stderr').to.equal('');
    jsonLines(started.stdout());
    await waitUntil('an overlap warned', () => jsonLines(started.stdout()).some((r) => r.component === 'schedule' && r.level === 40), 60_000);
    await started.stop();
    const records = jsonLines(started.stdout());
    expect(started.stderr(), 'stderr').to.equal('');
    for (const r of records) {
      expect(r.level, JSON.stringify(r)).to.be.a('number');
      expect(r.msg, JSON.stringify(r)).to.be.a('string');
    }
    const warned = records.filter((r) => r.component === 'schedule' && r.level === 40);
    expect(warned[0]).to.include({ schedule: '* * * * * *' });
    expect(Date.parse(String(warned[0]?.tick))).to.be.a('number').and.not.NaN;
    // Once per spell: a warning is never followed by another before the spell ended (info, `folded`).
    const spells = records.filter((r) => r.component === 'schedule' && (r.level === 40 || r.level === 30)).map((r) => r.level);
    for (let i = 1; i < spells.length; i += 1) expect(spells[i - 1] === 40 && spells[i] === 40, spells.join()).to.equal(false);
    expect(records.filter((r) => r.component === 'node-cron' && typeof r.msg === 'string' && /overlap/.test(r.msg))).to.have.length(0);
  });
});
