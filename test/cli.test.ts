// The built command line (dist/src/cli.js): help, check, compile, FEEDWRIGHT_DATA and usage
// errors, run as a child process the way an operator runs it.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateArchive } from '../bench/generate.js';
import { makeDataDir, removeDir, ROOT, SAMPLE_DATA, writeArticle } from './support/fixtures.js';
import { builtCli, CLI } from './support/paths.js';
import { needPostgres, TestSchemas } from './support/pg.js';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together. */
  all: string;
}

/** The environment of a run: no FEEDWRIGHT_DATA, DATABASE_URL, PORT or HOST inherited from the caller. */
function baseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.FEEDWRIGHT_DATA;
  delete env.DATABASE_URL;
  delete env.PORT;
  delete env.HOST;
  return { ...env, ...extra };
}

function run(args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, env: baseEnv(env), encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, all: `${r.stdout}\n${r.stderr}` };
}

/** Two broken article files: one not JSON at all, one with a bad date and no title. */
function addBrokenArticles(dir: string): void {
  writeArticle(dir, 'zz-broken-json.json', '{ "id": "broken", "title": "unterminated');
  writeArticle(dir, 'zz-bad-fields.json', {
    id: 'bad-fields',
    path: '/Detail/2016/07/07/1/bad-fields',
    body: '<p>Body.</p>',
    published: 'not a date',
  });
}

const SAMPLE_COUNT = readdirSync(join(SAMPLE_DATA, 'articles')).filter((n) => n.endsWith('.json')).length;

describe('cli', function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  const tempDir = (broken = false): string => {
    const dir = makeDataDir();
    if (broken) addBrokenArticles(dir);
    dirs.push(dir);
    return dir;
  };

  before(function () {
    // npm test builds first; a run from sources (tsx) builds here when dist is missing or older than src.
    builtCli();
  });

  after(function () {
    for (const dir of dirs) removeDir(dir);
  });

  describe('help', () => {
    it('--help exits 0 and lists the commands', () => {
      const r = run(['--help']);
      expect(r.status).to.equal(0);
      expect(r.stdout).to.match(/Usage: feedwright/);
      for (const command of ['serve', 'compile', 'check']) expect(r.stdout).to.include(command);
      expect(r.stdout).to.include('--data');
    });

    it('no arguments prints the usage and exits 0', () => {
      const r = run([]);
      expect(r.status).to.equal(0);
      expect(r.stdout).to.match(/Usage: feedwright/);
    });

    for (const command of ['serve', 'compile', 'check']) {
      it(`${command} --help exits 0 and prints that command's usage without running it`, () => {
        const dir = tempDir();
        const r = run([command, '--help', '--data', dir]);
        expect(r.status).to.equal(0);
        expect(r.stdout).to.include(`Usage: feedwright ${command}`);
        // Help does not compile: nothing is written to the data folder.
        expect(existsSync(join(dir, 'feedwright.db'))).to.equal(false);
      });
    }

    it('-h works like --help', () => {
      const r = run(['check', '-h']);
      expect(r.status).to.equal(0);
      expect(r.stdout).to.include('Usage: feedwright check');
    });
  });

  describe('usage errors', () => {
    it('an unknown option exits 2 and names it', () => {
      const r = run(['check', '--bogus']);
      expect(r.status).to.equal(2);
      expect(r.stderr).to.include('--bogus');
    });

    it('an unknown option before the command exits 2', () => {
      expect(run(['--frobnicate', 'compile']).status).to.equal(2);
    });

    it('--data without a folder exits 2', () => {
      const r = run(['check', '--data']);
      expect(r.status).to.equal(2);
      expect(r.stderr).to.include('--data');
    });

    it('an unknown command exits 2, names it and points to the usage, all on stderr', () => {
      const r = run(['frobnicate']);
      expect(r.status).to.equal(2);
      expect(r.stderr).to.include('unknown command "frobnicate"');
      expect(r.stderr).to.include("See 'feedwright help'.");
      expect(r.stdout).to.equal('');
    });
  });

  describe('check', () => {
    it('exits 0 on the sample and says there are no problems, writing nothing', () => {
      const dir = tempDir();
      const r = run(['check', '--data', dir]);
      expect(r.status, r.all).to.equal(0);
      expect(r.stdout).to.match(/no problems/);
      expect(r.stdout).to.include(`${SAMPLE_COUNT} article file`);
      expect(existsSync(join(dir, 'feedwright.db'))).to.equal(false);
    });

    it('accepts --data=DIR', () => {
      const r = run(['check', `--data=${tempDir()}`]);
      expect(r.status, r.all).to.equal(0);
      expect(r.stdout).to.match(/no problems/);
    });

    it('exits 1 and names each broken file and each bad field', () => {
      const dir = tempDir(true);
      const r = run(['check', '--data', dir]);
      expect(r.status, r.all).to.equal(1);
      expect(r.all).to.include('zz-broken-json.json');
      const line = r.all.split('\n').find((l) => l.includes('zz-bad-fields.json'));
      expect(line, r.all).to.be.a('string');
      expect(line).to.match(/\bpublished\b/);
      expect(line).to.match(/\btitle\b/);
      expect(r.stdout).to.not.match(/no problems/);
      // The good files are not reported.
      expect(r.all).to.not.include('russia-us-syria-coordination.json');
    });

    it('exits 1 and names site.json when it is broken', () => {
      const dir = makeDataDir({ site: { title: 'x', origin: 'not a url', timeZone: 'Mars/Olympus' } });
      dirs.push(dir);
      const r = run(['check', '--data', dir]);
      expect(r.status, r.all).to.equal(1);
      expect(r.all).to.include('site.json');
      expect(r.all).to.include('origin');
      expect(r.all).to.not.include('site.json: site.json');
    });
  });

  describe('compile', () => {
    it('exits 0 on the sample and prints the documents it wrote (--verbose)', () => {
      const dir = tempDir();
      const r = run(['compile', '--verbose', '--data', dir]);
      expect(r.status, r.all).to.equal(0);
      const paths = r.stdout.split('\n').map((l) => l.split(/\s+/)[0]);
      for (const path of ['/rss.xml', '/atom.xml', '/feed.json', '/sections/news/russia/rss.xml', '/tags/syria/atom.xml', '/feeds.opml']) {
        expect(paths, path).to.include(path);
      }
      expect(r.stdout).to.match(new RegExp(`from ${SAMPLE_COUNT} articles`));
      expect(r.stderr.trim()).to.equal('');
      expect(existsSync(join(dir, 'feedwright.db'))).to.equal(true);
    });

    it('stops quietly when its reader closes the pipe (compile --verbose | head -1): no EPIPE stack trace', () => {
      const dir = tempDir();
      const r = spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${CLI}" compile --verbose --data "${dir}" | head -1`], { cwd: ROOT, env: baseEnv(), encoding: 'utf8', timeout: 60_000 });
      expect(r.stdout.split('\n').filter(Boolean)).to.have.length(1);
      expect(r.stderr).to.not.match(/EPIPE|Unhandled|at .*cli\.js/);
    });

    it('a first compile of 1,200 article files prints its progress on stderr (files read, feeds rendered, brotli bodies made; a line per tenth on a pipe)', async function () {
      this.timeout(300_000);
      const dir = mkdtempSync(join(tmpdir(), 'feedwright-progress-'));
      dirs.push(dir);
      await generateArchive({ dir, articles: 1200 });
      const r = run(['compile', '--data', dir]);
      expect(r.status, r.all).to.equal(0);
      const lines = r.stderr.split('\n').filter(Boolean);
      const read = lines.filter((l) => l.startsWith('reading article files '));
      const render = lines.filter((l) => l.startsWith('rendering feeds '));
      // A line at each real tenth of each step (the count that reaches it), whatever the batches
      // the work is done in (files are read 200 at a time; field review saw 200, 400, 600, 1000, …).
      const tenths = (label: string, total: number) => Array.from({ length: 10 }, (_, k) => `${label} ${Math.ceil(((k + 1) * total) / 10)}/${total}`);
      expect(read).to.deep.equal(tenths('reading article files', 1200));
      const feeds = Number(/\/(\d+)$/.exec(render.at(-1) ?? '')?.[1]);
      expect(feeds, 'a tag and section feed each').to.be.greaterThan(100);
      expect(render).to.deep.equal(tenths('rendering feeds', feeds));
      const brotli = lines.filter((l) => l.startsWith('making brotli bodies '));
      const made = Number(/\/(\d+)$/.exec(brotli.at(-1) ?? '')?.[1]);
      expect(made, 'every document of the compile (over 1,000: a pipe hears of it)').to.be.greaterThan(feeds * 3);
      expect(brotli).to.deep.equal(tenths('making brotli bodies', made));
      expect(lines.length, 'nothing else on stderr').to.equal(read.length + render.length + brotli.length);
    });

    it('prints the same ETag for /rss.xml on two runs over the same data', () => {
      const etagOf = (out: string) => /^\/rss\.xml\s.*("[^"]+")\s*$/m.exec(out)?.[1];
      const a = etagOf(run(['compile', '--verbose', '--data', tempDir()]).stdout);
      const b = etagOf(run(['compile', '--verbose', '--data', tempDir()]).stdout);
      expect(a).to.be.a('string');
      expect(a).to.equal(b);
    });

    it('exits 1 with a broken file, names it, and still publishes the good articles', () => {
      const dir = tempDir(true);
      const r = run(['compile', '--verbose', '--data', dir]);
      expect(r.status, r.all).to.equal(1);
      expect(r.stderr).to.include('zz-broken-json.json');
      expect(r.stderr).to.include('zz-bad-fields.json');
      const paths = r.stdout.split('\n').map((l) => l.split(/\s+/)[0]);
      expect(paths).to.include('/rss.xml');
      expect(paths).to.include('/sections/news/russia/rss.xml');
      expect(r.stdout).to.match(new RegExp(`from ${SAMPLE_COUNT} articles`));
    });
  });

  describe('import of a WordPress export (issue 13)', () => {
    const WXR = join(ROOT, 'test', 'fixtures', 'import', 'wordpress-export.xml');

    it('--dry-run prints what would be imported, skipped and redirected, writes nothing, exits 0', () => {
      const dir = makeDataDir({ articles: {} });
      dirs.push(dir);
      const r = run(['import', WXR, '--dry-run', '--data', dir]);
      expect(r.status, r.all).to.equal(0);
      expect(r.stdout).to.include(`${WXR}: item 2 would be imported: Tehran metro’s Line 7 extension opens to passengers → /2024/03/05/tehran-metro-line-7-extension/`);
      expect(r.stderr).to.include(`${WXR}: item 3 (https://example.com/?p=130) skipped: status "draft" is not public`);
      expect(r.stdout).to.match(/dry run, nothing written: would import 2, would update 0, unchanged 0, skipped 3 of 5 items/);
      expect(r.stdout).to.include('  skipped: attachment: 1');
      expect(r.stdout).to.include('  not carried over: unknown shortcode [contact-form-7]: 1');
      expect(r.stdout).to.include('"formerPlatform": "wordpress"');
      // Nothing was written: the real import after it finds both articles new.
      const again = run(['import', WXR, '--data', dir]);
      expect(again.stdout).to.match(/^imported 2, updated 0, unchanged 0, /m);
    });

    it('imports; drafts and pages left out on purpose are counted, not listed, and exit 0; a rerun changes nothing', () => {
      const dir = makeDataDir({ articles: {} });
      dirs.push(dir);
      const r = run(['import', WXR, '--data', dir]);
      expect(r.status, r.all).to.equal(0);
      expect(r.stderr).not.to.include('skipped:');
      expect(r.stdout).to.match(/^imported 2, updated 0, unchanged 0, skipped 3 of 5 items/m);
      expect(r.stdout).to.include('  skipped: status draft: 1');
      const again = run(['import', WXR, '--data', dir]);
      expect(again.stdout).to.match(/^imported 0, updated 0, unchanged 2, skipped 3 of 5 items/m);
    });

    it('names the file, line and column of an XML error and exits 1', () => {
      const dir = makeDataDir({ articles: {} });
      dirs.push(dir);
      const bad = join(dir, 'broken.xml');
      writeFileSync(bad, '<?xml version="1.0"?>\n<rss version="2.0">\n<channel><title>x</title>\n<item><title>a</titel></item></channel></rss>\n');
      const r = run(['import', bad, '--data', dir]);
      expect(r.status).to.equal(1);
      expect(r.stderr).to.match(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: line 4, column \\d+: the feed is not well-formed XML`));
    });
  });

  describe('FEEDWRIGHT_RENDER_THREADS', () => {
    it('a value that is not a thread count stops the command and names the variable', () => {
      for (const bad of ['two', '-1', '1.5', '65', ' ', '0x2', '1e1', '+2']) {
        const r = run(['compile', '--data', tempDir()], { FEEDWRIGHT_RENDER_THREADS: bad });
        expect(r.status, `${bad}: ${r.all}`).to.not.equal(0);
        expect(r.stderr, bad).to.include('FEEDWRIGHT_RENDER_THREADS');
        expect(r.stderr, bad).to.include(`"${bad}"`);
      }
    });

    it('0 (render on the serving thread) and 2 workers write the same documents', () => {
      const etagsOf = (out: string) => out.split('\n').filter((l) => l.startsWith('/')).sort();
      const inThread = run(['compile', '--verbose', '--data', tempDir()], { FEEDWRIGHT_RENDER_THREADS: '0' });
      const workers = run(['compile', '--verbose', '--data', tempDir()], { FEEDWRIGHT_RENDER_THREADS: '2' });
      expect(inThread.status, inThread.all).to.equal(0);
      expect(workers.status, workers.all).to.equal(0);
      expect(etagsOf(inThread.stdout)).to.have.length.above(10);
      expect(etagsOf(inThread.stdout)).to.deep.equal(etagsOf(workers.stdout));
    });
  });

  describe('FEEDWRIGHT_DATA', () => {
    it('is used like --data by check', () => {
      const broken = tempDir(true);
      const r = run(['check'], { FEEDWRIGHT_DATA: broken });
      expect(r.status, r.all).to.equal(1);
      expect(r.all).to.include('zz-broken-json.json');
      expect(r.all).to.include(broken);
    });

    it('is used like --data by compile', () => {
      const dir = tempDir();
      const r = run(['compile', '--verbose'], { FEEDWRIGHT_DATA: dir });
      expect(r.status, r.all).to.equal(0);
      expect(r.stdout.split('\n').map((l) => l.split(/\s+/)[0])).to.include('/rss.xml');
      expect(existsSync(join(dir, 'feedwright.db'))).to.equal(true);
    });

    it('is overridden by --data', () => {
      const broken = tempDir(true);
      const good = tempDir();
      const r = run(['check', '--data', good], { FEEDWRIGHT_DATA: broken });
      expect(r.status, r.all).to.equal(0);
      expect(r.stdout).to.match(/no problems/);
    });
  });

  describe('DATABASE_URL and --database-url (the PostgreSQL store)', () => {
    it('refuses a URL that is not postgres://, naming the variable but not the value', () => {
      const r = run(['compile', '--data', tempDir()], { DATABASE_URL: 'mysql://root:s3cret@db/feeds' });
      expect(r.status, r.all).to.equal(1);
      expect(r.stderr).to.include('DATABASE_URL must be a postgres:// or postgresql:// URL');
      expect(r.all).to.not.include('s3cret');
      expect(run(['compile', '--data', tempDir(), '--database-url=file.db']).stderr).to.include('--database-url must be a postgres://');
    });

    it('names the database, not the password, when it cannot connect', () => {
      const r = run(['compile', '--data', tempDir(), '--database-url', 'postgres://feedwright:s3cret@127.0.0.1:1/feeds']);
      expect(r.status, r.all).to.equal(1);
      expect(r.stderr).to.match(/^feedwright: cannot open the PostgreSQL store postgres:\/\/127\.0\.0\.1:1\/feeds: /);
      expect(r.all).to.not.include('s3cret');
    });

    describe('with a PostgreSQL server', () => {
      const schemas = new TestSchemas();
      before(function () {
        return needPostgres(this);
      });
      after(() => schemas.dropAll());

      it('compile keeps the store in the database (no feedwright.db), and --database-url overrides DATABASE_URL', async () => {
        const { url } = await schemas.create();
        const dir = tempDir();
        const etagOf = (out: string) => /^\/rss\.xml\s.*("[^"]+")\s*$/m.exec(out)?.[1];
        const first = run(['compile', '--verbose', '--data', dir], { DATABASE_URL: url });
        expect(first.status, first.all).to.equal(0);
        expect(first.stdout).to.match(new RegExp(`from ${SAMPLE_COUNT} articles`));
        expect(existsSync(join(dir, 'feedwright.db'))).to.equal(false);
        const rows = await schemas.sql(`SELECT count(*)::int AS n FROM ${url.split('search_path%3D')[1] as string}.articles WHERE NOT deleted`);
        expect(rows.rows[0]).to.deep.equal({ n: SAMPLE_COUNT });
        // A second run over the same data and database: nothing changed, the same ETag.
        const second = run(['compile', '--verbose', '--data', dir, '--database-url', url], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/unused' });
        expect(second.status, second.all).to.equal(0);
        expect(etagOf(second.stdout)).to.be.a('string').and.equal(etagOf(first.stdout));
        expect(existsSync(join(dir, 'feedwright.db'))).to.equal(false);
      });
    });
  });
});
