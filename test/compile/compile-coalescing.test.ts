// compile() called while a compile runs, with real concurrent calls on a real compiler (render
// workers, SQLite store, body folder): each caller gets the report of a run that started after
// its call — the run that includes its change — and callers folded into the same follow-up run
// share that report. The calls are made from inside the running compile's progress callback, so
// "while a compile runs" holds by construction, not by timing.
import { expect } from 'chai';
import { join } from 'node:path';
import { openBodyStore } from '../../src/compile/body-store.js';
import { createCompiler, type CompileReport, type Compiler } from '../../src/compile/compiler.js';
import { loadSiteConfig } from '../../src/config.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { ArticleStore } from '../../src/store/store.js';
import { makeDataDir, removeDir, writeArticle } from '../support/fixtures.js';
import { createArticleWriter } from '../../src/compile/writer.js';

const NEW_ARTICLE = {
  id: 'late-arrival',
  path: '/Detail/2016/07/12/1/late-arrival',
  title: 'Written while a compile was running',
  body: '<p>x</p>',
  published: '2016-07-12T10:00:00',
  tags: ['Late arrival'],
};

describe('compile() while a compile runs', function () {
  this.timeout(120_000);
  let dataDir: string;
  let store: ArticleStore | undefined;
  let compiler: Compiler | undefined;
  afterEach(async () => {
    await compiler?.whenIdle();
    await compiler?.close();
    await store?.close();
    compiler = undefined;
    store = undefined;
    removeDir(dataDir);
  });

  /** A real compiler (render workers, SQLite store, body folder) on the test's data folder. */
  const compilerOn = (site: ReturnType<typeof loadSiteConfig>, hooks: Pick<Parameters<typeof createCompiler>[0], 'progress' | 'onCompiled'>): Compiler =>
    createCompiler({
      store: store as ArticleStore,
      site,
      bodies: openBodyStore(join(dataDir, '.feedwright', 'documents'), 8 * 1024 * 1024),
      databaseFile: join(dataDir, 'feedwright.db'),
      articlesDir: join(dataDir, 'articles'),
      periodSeconds: 60,
      ...hooks,
    });

  it('each caller gets the report of a run that started after its call; callers folded together share it', async () => {
    dataDir = makeDataDir();
    const site = loadSiteConfig(dataDir);
    store = openSqliteStore(join(dataDir, 'feedwright.db'), { idPrefix: site.idPrefix });
    let folded: { calledAt: number; promises: [Promise<CompileReport>, Promise<CompileReport>]; runningWhenCalled: boolean } | undefined;
    let firstSettled = false;
    compiler = compilerOn(site, {
      progress: (step) => {
        // The first run is rendering (its files were read already): a new file now is a change
        // it does not include. Two callers ask for a compile that includes it.
        if (step !== 'render' || folded !== undefined) return;
        writeArticle(dataDir, 'late-arrival.json', NEW_ARTICLE);
        const c = compiler as Compiler;
        folded = { calledAt: Date.now(), runningWhenCalled: !firstSettled, promises: [c.compile(), c.compile({ files: false })] };
      },
    });
    const firstCall = compiler.compile();
    void firstCall.finally(() => (firstSettled = true));
    const first = await firstCall;
    expect(folded, 'the progress callback ran').to.not.equal(undefined);
    const f = folded as NonNullable<typeof folded>;
    expect(f.runningWhenCalled, 'the two calls were made while the first compile ran').to.equal(true);
    const [second, third] = await Promise.all(f.promises);
    expect(first.feedsChanged, 'the first run did not include the new file').to.not.include('tags/late-arrival');
    expect(second, 'a caller during a run does not get that run\'s report').to.not.equal(first);
    expect(second.startedAt, 'the run started after the call').to.be.at.least(f.calledAt);
    expect(second.startedAt).to.be.at.least(first.startedAt + first.durationMs);
    expect(second.feedsChanged, 'the run includes the caller\'s change').to.include.members(['', 'tags/late-arrival']);
    expect(third, 'callers folded into the same follow-up run share its report').to.equal(second);
    expect(compiler.lastReport()).to.equal(second);
    // A call after everything settled starts a run of its own.
    const fourth = await compiler.compile();
    expect(fourth).to.not.equal(second);
    expect(fourth.startedAt).to.be.at.least(second.startedAt + second.durationMs);
  });

  it('the article writer asks for a compile at once for the writes of one turn (one call per turn), and writes made while it runs are published', async () => {
    dataDir = makeDataDir();
    const site = loadSiteConfig(dataDir);
    store = openSqliteStore(join(dataDir, 'feedwright.db'), { idPrefix: site.idPrefix });
    const reports: CompileReport[] = [];
    let duringRun: Promise<unknown> | undefined;
    let armed = false;
    let calls = 0;
    const writer = createArticleWriter({
      store,
      compiler: {
        compile: (o) => {
          calls += 1;
          return (compiler as Compiler).compile(o);
        },
        whenIdle: () => (compiler as Compiler).whenIdle(),
      },
      timeZone: site.timeZone,
    });
    const article = (id: string) => ({ ...NEW_ARTICLE, id, path: `/Detail/2016/07/12/1/${id}`, title: `Written by the API: ${id}` });
    compiler = compilerOn(site, {
      onCompiled: (r) => reports.push(r),
      progress: (step) => {
        // Five writes while the writer's compile renders: they join one follow-up run.
        if (step !== 'render' || !armed || duringRun !== undefined) return;
        duringRun = Promise.all(['during-1', 'during-2', 'during-3', 'during-4', 'during-5'].map((id) => writer.put([article(id)])));
      },
    });
    await compiler.compile();
    reports.length = 0;
    armed = true;
    // Three writes in one turn: one compile, started without waiting for more company.
    await Promise.all(['same-turn-1', 'same-turn-2', 'same-turn-3'].map((id) => writer.put([article(id)])));
    // No timer waited for: one turn of the event loop after the writes, their compile is asked for.
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls, 'compiles asked for one turn after the writes').to.equal(1);
    await writer.flushed();
    await duringRun;
    await writer.flushed();
    expect(duringRun, 'writes were made while the writer\'s compile ran').to.not.equal(undefined);
    // The five writes of one turn asked for one compile between them (the compiler folds a call
    // made while it runs into its one follow-up run: the test above).
    expect(calls, 'compiles the writer asked for: one per turn of writes').to.equal(2);
    expect(reports.every((r) => r.ok)).to.equal(true);
    const ids = (await store.newestInScope('tags/late-arrival', 50)).map((a) => a.article.id).sort();
    expect(ids).to.deep.equal(['during-1', 'during-2', 'during-3', 'during-4', 'during-5', 'same-turn-1', 'same-turn-2', 'same-turn-3']);
    const served = compiler.current()?.documents.get('/tags/late-arrival/feed.json');
    expect(served, 'the tag feed is published').to.not.equal(undefined);
    expect(reports.at(-1)?.feedsChanged, 'the last run published the writes made during the first').to.include('tags/late-arrival');
  });
});
