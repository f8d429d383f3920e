// Readers counted across a cluster (issue 12): two real `feedwright serve` instances on one
// PostgreSQL store each count the polls they answer and add them to the shared tables; after
// SIGTERM, `feedwright stats --json` on the same database shows the sums of both.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { StatsReport } from '../../src/stats/report.js';
import { get } from '../support/fixtures.js';
import { allReady, clusterSuite, stopInstance } from '../support/cluster.js';
import { builtCli } from '../support/paths.js';
import { AGGREGATOR_AGENTS } from '../stats/agents.js';

const run = promisify(execFile);

describe('cluster: readers counted by every instance, summed in the store', function () {
  this.timeout(240_000);
  const { schemas, dirs, instances, startAll } = clusterSuite();

  it('adds each instance’s counts: requests and subscribers are cluster-wide', async () => {
    const { url } = await schemas.create();
    await startAll(['A', 'B'], url);
    await allReady(instances);
    const [a, b] = instances as [(typeof instances)[number], (typeof instances)[number]];
    const feedly = AGGREGATOR_AGENTS[0];
    const inoreader = AGGREGATOR_AGENTS[1];
    for (let i = 0; i < 3; i += 1) expect((await get(a.port, '/atom.xml', { 'User-Agent': feedly.ua })).status).to.equal(200);
    for (let i = 0; i < 2; i += 1) expect((await get(b.port, '/atom.xml', { 'User-Agent': inoreader.ua })).status).to.equal(200);
    await Promise.all([stopInstance(a), stopInstance(b)]);
    const out = await run(process.execPath, [builtCli(), 'stats', '--json', '--data', dirs[0] as string, '--database-url', url]);
    const atom = (JSON.parse(out.stdout) as StatsReport).feeds.find((f) => f.path === '/atom.xml');
    expect(atom).to.include({ requests: 5, ok: 5, subscribers: feedly.subscribers + inoreader.subscribers });
    expect(atom?.subscribersByAggregator).to.deep.equal({ Feedly: feedly.subscribers, Inoreader: inoreader.subscribers });
  });
});
