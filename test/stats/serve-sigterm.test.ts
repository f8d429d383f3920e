// Counts survive SIGTERM (issue 12): a real `feedwright serve` process answers polls, is stopped
// with SIGTERM long before its flush interval, and `feedwright stats` (another process, reading
// the store) and a restarted `serve` (its /stats.json) show every poll.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { StatsReport } from '../../src/stats/report.js';
import { builtCli } from '../support/paths.js';
import { get, HEALTH_TOKEN, makeDataDir, removeDir, type TestResponse } from '../support/fixtures.js';
import { startServeProcess, type ServeProcess } from '../support/serve-process.js';
import { AGGREGATOR_AGENTS } from './agents.js';

const run = promisify(execFile);
const NNW = 'NetNewsWire (RSS Reader; https://netnewswire.com/)';

describe('feedwright serve: readers counted survive SIGTERM', function () {
  this.timeout(180_000);
  let dir: string | undefined;
  let serve: ServeProcess | undefined;
  afterEach(async () => {
    await serve?.stop();
    if (dir !== undefined) removeDir(dir);
    serve = undefined;
  });

  it('stores the counts when stopped, for feedwright stats and the next serve', async () => {
    dir = makeDataDir();
    // An hour between flushes: only the stop can have stored these counts.
    const env = { FEEDWRIGHT_STATS_FLUSH_SECONDS: '3600', FEEDWRIGHT_API_TOKEN: HEALTH_TOKEN };
    serve = await startServeProcess(dir, env);
    const polls: TestResponse[] = [];
    for (const a of AGGREGATOR_AGENTS) polls.push(await get(serve.port, '/rss.xml', { 'User-Agent': a.ua }));
    const first = await get(serve.port, '/rss.xml', { 'User-Agent': NNW, 'Accept-Encoding': 'gzip' });
    polls.push(first, await get(serve.port, '/rss.xml', { 'User-Agent': NNW, 'Accept-Encoding': 'gzip', 'If-None-Match': first.headers.etag as string }));
    expect(polls.map((p) => p.status)).to.deep.equal([200, 200, 200, 200, 200, 200, 304]);
    await serve.stop();
    expect(serve.child.exitCode).to.equal(0);

    const expectCounts = (r: StatsReport) => {
      const rss = r.feeds.find((f) => f.path === '/rss.xml');
      expect(rss).to.include({ requests: 7, ok: 6, notModified: 1, readersToday: 1, subscribers: 1234 + 56 + 7 + 89 + 12 });
      expect(rss?.bytes).to.equal(polls.reduce((n, p) => n + p.body.length, 0));
      expect(rss?.subscribersByAggregator).to.deep.equal(Object.fromEntries(AGGREGATOR_AGENTS.map((a) => [a.aggregator, a.subscribers])));
    };
    const json = await run(process.execPath, [builtCli(), 'stats', '--json', '--data', dir], { env: { ...process.env, DATABASE_URL: '' } });
    expectCounts(JSON.parse(json.stdout) as StatsReport);
    // The table: the document's row with its figures, and the site's.
    const table = await run(process.execPath, [builtCli(), 'stats', '--data', dir], { env: { ...process.env, DATABASE_URL: '' } });
    const row = table.stdout.split('\n').find((l) => l.startsWith('/rss.xml '));
    expect(row?.split(/\s{2,}/).slice(0, 5)).to.deep.equal(['/rss.xml', '7', '6', '1', '14.3%']);
    expect(table.stdout).to.match(/^whole site\s+7\s+6\s+1\s+14\.3%/m);
    expect(table.stdout).to.match(/^NetNewsWire\s+2\s+1$/m);

    // A restart reads them back too (and adds its own).
    serve = await startServeProcess(dir, env);
    const res = await get(serve.port, '/stats.json', { Authorization: `Bearer ${HEALTH_TOKEN}` });
    expect(res.status).to.equal(200);
    expectCounts(JSON.parse(res.text) as StatsReport);
  });
});
