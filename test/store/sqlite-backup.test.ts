// `feedwright backup FILE`: SQLite's online backup of the store while `feedwright serve` runs and
// writes (API writes land in the WAL), checked by opening the copy.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { get, makeDataDir, removeDir, ROOT, SAMPLE_DATA } from '../support/fixtures.js';
import { builtCli } from '../support/paths.js';
import { startServeProcess, type ServeProcess } from '../support/serve-process.js';

const SAMPLE_COUNT = readdirSync(join(SAMPLE_DATA, 'articles')).filter((n) => n.endsWith('.json')).length;

function backup(dataDir: string, file: string) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  delete env.FEEDWRIGHT_DATA;
  return spawnSync(process.execPath, [builtCli(), 'backup', file, '--data', dataDir], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
}

describe('feedwright backup (SQLite online backup)', function () {
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

  it('copies the store while serve runs, with a write the server made just before; the copy opens and has every article', async () => {
    writeFileSync(join(dir, 'token'), 'backup-test-token\n');
    server = await startServeProcess(dir, { FEEDWRIGHT_API_TOKEN_FILE: join(dir, 'token') });
    const article = { id: 'written-before-backup', path: '/Detail/2016/07/09/1/written', title: 'Written through the API', body: '<p>Body.</p>', published: '2016-07-09T10:00:00+04:30' };
    const put = await get(server.port, `/api/articles/${article.id}`, { authorization: 'Bearer backup-test-token', 'content-type': 'application/json' }, 'PUT', JSON.stringify(article));
    expect(put.status, put.text).to.be.oneOf([200, 201]);

    const file = join(dir, 'backup.db');
    const run = backup(dir, file);
    console.log(`      ${run.stdout.trim()}`);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.match(new RegExp(`: ${SAMPLE_COUNT + 1} articles, \\d+ bytes, schema version \\d+`));
    // The server is still there, serving.
    expect((await get(server.port, '/rss.xml')).status).to.equal(200);

    const copy = new Database(file, { readonly: true, fileMustExist: true });
    try {
      expect(copy.pragma('journal_mode', { simple: true })).to.equal('delete');
      expect(copy.pragma('integrity_check', { simple: true })).to.equal('ok');
      const ids = (copy.prepare('SELECT id FROM articles WHERE deleted = 0').all() as { id: string }[]).map((r) => r.id);
      expect(ids).to.have.length(SAMPLE_COUNT + 1);
      expect(ids).to.include(article.id);
    } finally {
      copy.close();
    }
    // One self-contained file: no WAL beside it, nothing partial left.
    expect(existsSync(`${file}-wal`)).to.equal(false);
    expect(readdirSync(dir).filter((n) => n.includes('.partial-'))).to.deep.equal([]);
  });

  it('never overwrites a file, and says so', () => {
    const file = join(dir, 'exists.db');
    writeFileSync(file, 'not a database');
    const first = backup(dir, file);
    expect(first.status).to.equal(1);
    expect(first.stderr).to.match(/exists: a backup never overwrites/);
  });

  it('refuses a folder with no store', () => {
    const run = backup(dir, join(dir, 'copy.db'));
    expect(run.status).to.equal(1);
    expect(run.stderr).to.match(/there is no store at .*feedwright\.db/);
  });
});
