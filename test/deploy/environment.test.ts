// Settings from the environment reach the running commands: `feedwright serve` with
// FEEDWRIGHT_ORIGIN and an empty FEEDWRIGHT_ALTERNATE_ORIGINS serves staging links and no mirrors;
// `feedwright check` with a malformed variable stops, naming it.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { get, makeDataDir, removeDir, ROOT } from '../support/fixtures.js';
import { builtCli } from '../support/paths.js';
import { startServeProcess, type ServeProcess } from '../support/serve-process.js';

describe('settings from the environment, in the commands', function () {
  this.timeout(120_000);
  let dir: string;
  let server: ServeProcess | undefined;
  beforeEach(() => {
    dir = makeDataDir();
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    removeDir(dir);
  });

  it('serve: FEEDWRIGHT_ORIGIN and an empty FEEDWRIGHT_ALTERNATE_ORIGINS replace site.json\'s origins', async () => {
    server = await startServeProcess(dir, { FEEDWRIGHT_ORIGIN: 'https://staging.example.org', FEEDWRIGHT_ALTERNATE_ORIGINS: '' });
    const res = await get(server.port, '/rss.xml', { host: 'staging.example.org' });
    expect(res.status).to.equal(200);
    expect(res.text).to.include('<atom:link href="https://staging.example.org/rss.xml" rel="self"');
    expect(res.text).not.to.include('presstv.ir');
    expect(res.headers.link, 'no mirrors, no alternate links').to.equal(undefined);
    // Ids do not follow the origin (design §4): they come from idPrefix.
    expect(res.text).to.include('<guid isPermaLink="false">tag:presstv.com,2007:');
  });

  it('check: a malformed FEEDWRIGHT_SCHEDULE stops it with a message naming the variable', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, FEEDWRIGHT_SCHEDULE: 'every minute' };
    delete env.FEEDWRIGHT_DATA;
    const r = spawnSync(process.execPath, [builtCli(), 'check', '--data', dir], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.include('FEEDWRIGHT_SCHEDULE "every minute" is not a valid cron expression');
  });
});
