// Render workers yield the CPU to readers (issue 10): every render worker thread runs at nice +10
// (Linux keeps a nice value per thread), the serving thread at the process's own, and a worker
// lowers itself before its modules load — loading them is ~0.5 s of CPU per thread, which at
// the serving thread's priority was taken from readers just as a restarted server began to
// answer. Real worker threads (the built JavaScript) and the kernel's own figures in /proc.
import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setPriority } from 'node:os';
import { loadSiteConfig } from '../../src/config.js';
import { RENDER_NICENESS, renderNiceness } from '../../src/compile/render-priority.js';
import { createService, type Service } from '../../src/service.js';
import { ROOT, makeDataDir, removeDir } from '../support/fixtures.js';

/** Every thread of this process: its id, nice value and CPU time so far (clock ticks), from /proc. */
function threads(): { tid: number; nice: number; ticks: number }[] {
  return readdirSync('/proc/self/task').flatMap((t) => {
    try {
      const stat = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces and parentheses): state is field 3.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return [{ tid: Number(t), nice: Number(f[16]), ticks: Number(f[11]) + Number(f[12]) }];
    } catch {
      return []; // the thread exited while we looked
    }
  });
}

describe('render workers run at a lower CPU priority than the serving thread', function () {
  this.timeout(120_000);
  let dir: string | undefined;
  let service: Service | undefined;
  let restore: (() => void) | undefined;
  before(function () {
    if (import.meta.url.endsWith('.ts')) throw new Error('needs the built JavaScript (worker threads): run `npm run test:one -- test/compile/render-priority.test.ts`');
    if (!existsSync('/proc/self/task')) {
      const reason = `it reads each thread's nice value from /proc, and this is ${process.platform}`;
      if (process.env.FEEDWRIGHT_REQUIRE_LINUX === '1') throw new Error(`FEEDWRIGHT_REQUIRE_LINUX=1 but ${reason}`);
      console.log(`      (skipped: ${reason})`);
      this.skip();
    }
  });
  after(async () => {
    restore?.();
    await service?.close();
    if (dir !== undefined) removeDir(dir);
  });

  it('the render nice value: 10 lower than the serving thread, never above nice 10 (the kernel\'s threads at 0 outrank it), 19 at most', () => {
    expect(RENDER_NICENESS).to.equal(10);
    expect([-20, -15, -5, 0, 3, 9, 10, 15, 19].map(renderNiceness)).to.deep.equal([10, 10, 10, 10, 13, 19, 19, 19, 19]);
  });

  it('each worker thread is 10 nicer than the serving thread (relative, not an absolute 10) from its start (before its modules load, so the CPU that loading takes is at that priority too); the serving thread keeps its own', async () => {
    // Relative to where the server runs: as root, the serving thread moves to nice 3 for this
    // test (threads inherit their creator's value), so the workers must end at 13, not at 10.
    const own = threads().find((t) => t.tid === process.pid)?.nice as number;
    const root = process.getuid?.() === 0;
    if (root) setPriority(3);
    restore = root ? () => setPriority(own) : undefined;
    const base = threads().find((t) => t.tid === process.pid)?.nice as number;
    if (root) expect(base).to.equal(3);
    const before = new Set(threads().map((t) => t.tid));
    dir = makeDataDir();
    service = createService({
      site: loadSiteConfig(dir),
      databaseFile: join(dir, 'feedwright.db'),
      articlesDir: join(dir, 'articles'),
      publicDir: join(ROOT, 'public'),
      schedule: false,
      log: () => {},
      renderThreads: 2,
      renderIdleMs: 0,
    });
    expect((await service.compiler.compile()).ok).to.equal(true);
    await service.compiler.brotliSettled();
    const now = threads();
    const lowered = now.filter((t) => t.nice === renderNiceness(base));
    if (root) expect(renderNiceness(base)).to.equal(13);
    // The two workers, and only threads this compile started: the serving thread stays at base.
    expect(now.find((t) => t.tid === process.pid)?.nice).to.equal(base);
    expect(lowered.map((t) => before.has(t.tid))).to.deep.equal([false, false]);
    // Their nice value was set before they did their work: a thread lowered only after loading
    // its modules would still have spent that CPU at `base`, which /proc cannot tell apart, so
    // the order is checked where it is made: the entry module lowers, then imports the worker.
    const entry = readFileSync(join(ROOT, 'dist', 'src', 'compile', 'render-worker-entry.js'), 'utf8');
    expect(entry.indexOf('lowerThisThread()')).to.be.greaterThan(-1);
    expect(entry.indexOf('lowerThisThread()')).to.be.lessThan(entry.indexOf("import('./render-worker.js')"));
    expect(entry).to.not.match(/^import .*render-worker\.js/m);
    // The workers did the compile's work: their CPU time is theirs, at the lower priority.
    for (const t of lowered) expect(t.ticks).to.be.greaterThan(0);
  });
});
