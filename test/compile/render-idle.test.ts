// Idle render workers retire (issue 10: serving memory). The render pool's worker threads exit
// once no task of any kind has been queued or in flight for idleMs: gracefully, and not as a
// death (nothing replaced, nothing logged as a crash). The next task starts a fresh set and
// renders the same bytes; a task that arrives just as they retire still completes; close()
// while they retire resolves; a compile that renders nothing does not wake them; background
// brotli work keeps them. Real worker threads: needs the built JavaScript.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSiteConfig } from '../../src/config.js';
import { createService, type Service } from '../../src/service.js';
import type { FeedTask } from '../../src/compile/render-task.js';
import { ROOT, makeDataDir, removeDir, waitUntil, writeArticle } from '../support/fixtures.js';

const SEED = 'russia-us-syria-coordination.json';
/** Log lines that would mean a retirement was taken for a death. */
const DEATH = /stopped|replacement|starting another|main thread/;

/** This process's OS threads (Linux), or undefined elsewhere. */
function osThreads(): number | undefined {
  try {
    const m = /^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Started {
  service: Service;
  dir: string;
  lines: string[];
  /** Called with every log line (after it is recorded): tests hook the retirement here. */
  onLine: { fn: (line: string) => void };
}

describe('idle render workers retire', function () {
  this.timeout(180_000);
  const dirs: string[] = [];
  const running: Service[] = [];
  before(() => {
    if (import.meta.url.endsWith('.ts')) throw new Error('needs the built JavaScript (worker threads): run `npm run test:one -- test/compile/render-idle.test.ts`');
  });
  afterEach(async () => {
    for (const s of running.splice(0)) await s.close();
    for (const d of dirs.splice(0)) removeDir(d);
  });

  /** The real service over a fresh copy of the sample data, compiled, its brotli work done. */
  async function start(options: { idleMs: number; threads?: number; keep?: number | 'default'; clock?: () => number; dir?: string }): Promise<Started> {
    const dir = options.dir ?? makeDataDir();
    if (options.dir === undefined) dirs.push(dir);
    const lines: string[] = [];
    const onLine = { fn: (_line: string) => {} };
    const service = createService({
      site: loadSiteConfig(dir),
      databaseFile: join(dir, 'feedwright.db'),
      articlesDir: join(dir, 'articles'),
      publicDir: join(ROOT, 'public'),
      schedule: false,
      log: (line) => {
        lines.push(line);
        onLine.fn(line);
      },
      renderThreads: options.threads ?? 2,
      renderIdleMs: options.idleMs,
      // These tests retire every worker unless they say otherwise (the default keeps one).
      ...(options.keep === 'default' ? {} : { renderKeepWorkers: options.keep ?? 0 }),
      ...(options.clock ? { clock: options.clock } : {}),
    });
    running.push(service);
    await service.listen(0, '127.0.0.1');
    expect((await service.compiler.compile()).ok).to.equal(true);
    await service.compiler.brotliSettled();
    return { service, dir, lines, onLine };
  }

  /** A feed render with fixed inputs, its bodies sent back: the same bytes whichever worker runs it. */
  const task = (s: Service, key = 'tags/syria'): FeedTask => {
    const feed = s.compiler.current()?.feeds.find((f) => f.scope.key === key);
    return { key, label: feed?.scope.label ?? key, startedAt: Date.parse('2026-11-20T10:00:00Z'), returnBodies: true };
  };

  it('after a compile, the worker threads exit once idle (not a death: nothing replaced or logged as one); a render after that is byte-identical to one before', async () => {
    const { service, lines } = await start({ idleMs: 200 });
    const pool = service.compiler.renderer;
    const before = await pool.renderFeed(task(service));
    expect(before.documents.length).to.be.greaterThan(1);
    expect(pool.liveWorkers()).to.equal(2);
    const threadsLive = osThreads();
    // The workers' 'exit' events (liveWorkers counts threads not yet exited) and the process's own thread count.
    await waitUntil('the workers retired', () => pool.liveWorkers() === 0, 10_000);
    const threadsRetired = osThreads();
    if (threadsLive !== undefined && threadsRetired !== undefined) expect(threadsRetired, `${threadsLive} OS threads with the workers, ${threadsRetired} after`).to.be.at.most(threadsLive - 2);
    expect(lines.filter((l) => /retired/.test(l))).to.deep.equal(['render workers retired after 0.2 s idle (2 threads exit, 0 kept; the next task starts them again)']);
    expect(lines.filter((l) => DEATH.test(l)), 'no death logged').to.deep.equal([]);
    // Still 2 threads configured: the next task starts them.
    expect(pool.threads()).to.equal(2);
    await sleep(300);
    expect(pool.liveWorkers(), 'no replacement started').to.equal(0);

    const after = await pool.renderFeed(task(service));
    expect(pool.liveWorkers()).to.equal(2);
    expect(after.documents.map((d) => d.path)).to.deep.equal(before.documents.map((d) => d.path));
    expect(after).to.deep.equal(before);
    // And they retire again.
    await waitUntil('the workers retired again', () => pool.liveWorkers() === 0, 10_000);
    expect(lines.filter((l) => /retired/.test(l)).length).to.equal(2);
    expect(lines.filter((l) => DEATH.test(l))).to.deep.equal([]);
  });

  it('a compile after the workers retired publishes the same documents as a pool that never retires; a compile that renders nothing does not wake them', async () => {
    let now = Date.parse('2026-11-20T10:00:00Z');
    const clock = () => now;
    const a = await start({ idleMs: 200, clock });
    const b = await start({ idleMs: 0, clock });
    await waitUntil('the workers retired', () => a.service.compiler.renderer.liveWorkers() === 0, 10_000);
    // Nothing changed: the compile sends the pool no task, so the workers stay retired.
    now += 60_000;
    const idle = await a.service.compiler.compile();
    expect(idle.ok && idle.feedsRendered === 0).to.equal(true);
    await sleep(100);
    expect(a.service.compiler.renderer.liveWorkers(), 'a compile that renders nothing wakes no worker').to.equal(0);
    expect(b.service.compiler.renderer.liveWorkers(), 'idleMs 0: never retired').to.equal(2);
    for (const s of [a, b]) {
      const seed = JSON.parse(readFileSync(join(s.dir, 'articles', SEED), 'utf8')) as Record<string, unknown>;
      writeArticle(s.dir, SEED, { ...seed, title: 'Edited after the workers retired' });
    }
    now += 60_000;
    const [ra, rb] = await Promise.all([a.service.compiler.compile(), b.service.compiler.compile()]);
    await Promise.all([a.service.compiler.brotliSettled(), b.service.compiler.brotliSettled()]);
    expect(ra.ok && rb.ok).to.equal(true);
    expect(ra.feedsChanged).to.deep.equal(rb.feedsChanged);
    expect(ra.feedsChanged.length).to.be.greaterThan(0);
    const docs = (s: Started) => [...(s.service.compiler.current()?.documents ?? [])].map(([path, list]) => [path, list.map((d) => [d.hash, d.sizes, d.identity.headers200.ETag, d.br.headers200.ETag, d.lastModified])]);
    expect(docs(a)).to.deep.equal(docs(b));
    expect(a.lines.filter((l) => DEATH.test(l))).to.deep.equal([]);
  });

  it('a task submitted just as the workers begin to retire completes, 5 times over, and so do tasks submitted around the idle deadline', async () => {
    const idleMs = 20;
    const s = await start({ idleMs });
    const pool = s.service.compiler.renderer;
    const reference = await pool.renderFeed(task(s.service));
    for (let round = 0; round < 5; round += 1) {
      // The retirement's log line is written right after 'stop' went to every worker: a task
      // submitted there must not go to a stopping worker.
      const submitted = new Promise<{ rendered: Promise<unknown> }>((resolve) => {
        s.onLine.fn = (line) => {
          if (!line.includes('retired')) return;
          s.onLine.fn = () => {};
          resolve({ rendered: pool.renderFeed(task(s.service)) });
        };
      });
      const rendered = await (await submitted).rendered;
      expect(rendered, `round ${round}`).to.deep.equal(reference);
    }
    // Tasks at random moments around the deadline, alone and in pairs.
    for (let round = 0; round < 12; round += 1) {
      await sleep(idleMs - 5 + Math.random() * 15);
      const results = await Promise.all(Array.from({ length: 1 + (round % 2) }, () => pool.renderFeed(task(s.service))));
      for (const r of results) expect(r, `random round ${round}`).to.deep.equal(reference);
    }
    expect(s.lines.filter((l) => /retired/.test(l)).length, 'the workers did retire in between').to.be.greaterThan(5);
    expect(s.lines.filter((l) => DEATH.test(l))).to.deep.equal([]);
    await waitUntil('the stopping workers gone', () => pool.liveWorkers() === 0, 10_000);
  });

  it('close() while the workers retire resolves, and every thread exits', async () => {
    for (let round = 0; round < 3; round += 1) {
      const s = await start({ idleMs: 50 });
      const pool = s.service.compiler.renderer;
      // Wrapped, so awaiting `closing` does not wait for the close itself.
      const closing = new Promise<{ closed: Promise<void> }>((resolve) => {
        s.onLine.fn = (line) => {
          if (line.includes('retired')) resolve({ closed: s.service.close() });
        };
      });
      const { closed } = await closing;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 5_000)));
      expect(await Promise.race([closed.then(() => 'closed' as const), late]), `round ${round}`).to.equal('closed');
      clearTimeout(timer);
      expect(pool.liveWorkers()).to.equal(0);
      running.splice(running.indexOf(s.service), 1);
    }
  });

  it('a fault injected while the workers are retired reaches the fresh set', async () => {
    const s = await start({ idleMs: 100 });
    const pool = s.service.compiler.renderer;
    await waitUntil('the workers retired', () => pool.liveWorkers() === 0, 10_000);
    pool.injectFault('tags/syria', 'throw');
    let failure: (Error & { code?: string }) | undefined;
    await pool.renderFeed(task(s.service)).catch((err: Error) => (failure = err));
    expect(failure?.message).to.match(/fault injected/);
    expect(failure?.code).to.equal('RENDER_FAILED');
    // Disarmed once that render settled: the next one succeeds.
    expect((await pool.renderFeed(task(s.service))).documents.length).to.be.greaterThan(1);
  });

  it('background brotli work keeps the workers: they retire only once it is done', async () => {
    const s = await start({ idleMs: 100, threads: 1 });
    const pool = s.service.compiler.renderer;
    const rss = s.service.compiler.current()?.documents.get('/rss.xml')?.[0];
    expect(rss).to.not.equal(undefined);
    await waitUntil('the workers retired', () => pool.liveWorkers() === 0, 10_000);
    const retiredBefore = s.lines.filter((l) => /retired/.test(l)).length;
    // A backlog of background work (the site feed's brotli body, again and again) that outlasts idleMs many times over.
    const t0 = performance.now();
    let live = true;
    const backlog = Promise.all(Array.from({ length: 40 }, () => pool.encodeBrotli({ hash: rss?.hash as string })));
    const watch = (async () => {
      while (live) {
        if (pool.liveWorkers() === 0 || pool.threads() !== 1) return 'gone';
        await sleep(5);
      }
      return 'kept';
    })();
    const results = await backlog;
    const elapsed = performance.now() - t0;
    live = false;
    expect(results.every((r) => r !== undefined && r.size > 0)).to.equal(true);
    expect(elapsed, 'the backlog outlasted idleMs').to.be.greaterThan(150);
    expect(await watch, 'the worker stayed while background work was queued').to.equal('kept');
    expect(s.lines.filter((l) => /retired/.test(l)).length).to.equal(retiredBefore);
    await waitUntil('the workers retired after it', () => pool.liveWorkers() === 0, 10_000);
  });

  it('by default one worker is kept: a render after the retirement starts no thread, and tasks queued behind it start the rest', async () => {
    const s = await start({ idleMs: 200, threads: 2, keep: 'default' });
    const pool = s.service.compiler.renderer;
    const before = await pool.renderFeed(task(s.service));
    await waitUntil('one worker retired', () => pool.liveWorkers() === 1, 10_000);
    await sleep(400);
    expect(pool.liveWorkers(), 'the kept worker stays past another idle period').to.equal(1);
    expect(s.lines.filter((l) => /retired/.test(l))).to.deep.equal(['render workers retired after 0.2 s idle (1 thread exits, 1 kept; the others start again when tasks queue)']);
    // One task fits the kept worker (two in flight): no thread starts, and it renders the same bytes.
    const again = await pool.renderFeed(task(s.service));
    expect(again).to.deep.equal(before);
    expect(pool.liveWorkers(), 'a single render starts no thread').to.equal(1);
    // Six at once queue behind the kept worker: the rest of the set starts and shares them.
    const keys = ['tags/syria', 'tags/syria', 'tags/syria', 'tags/syria', 'tags/syria', 'tags/syria'];
    const burst = Promise.all(keys.map((k) => pool.renderFeed(task(s.service, k))));
    await waitUntil('the retired worker started again', () => pool.liveWorkers() === 2, 10_000);
    for (const r of await burst) expect(r).to.deep.equal(before);
    expect(s.lines.filter((l) => DEATH.test(l))).to.deep.equal([]);
    await waitUntil('one retired again', () => pool.liveWorkers() === 1, 10_000);
  });
});
