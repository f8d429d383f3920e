// What `feedwright compile` prints (src/cli/compile.ts): a summary by default, every document
// with --verbose, one JSON object with --json; all from the same compile report.
import { expect } from 'chai';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDataDir, removeDir, SAMPLE_DATA, sampleSite, writeArticle } from '../support/fixtures.js';
import { runCli } from '../support/cli-run.js';

const SAMPLE_COUNT = readdirSync(join(SAMPLE_DATA, 'articles')).filter((n) => n.endsWith('.json')).length;
const DOCUMENT_LINE = /^(\/\S*)  (\d+) bytes  gzip (\d+)  br (\d+)  ("[^"]+")$/;

describe('cli compile output (issue 12)', function () {
  this.timeout(180_000);
  const dirs: string[] = [];
  const dataDir = (): string => {
    const dir = makeDataDir();
    dirs.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of dirs) removeDir(dir);
  });

  it('prints one summary line by default: feeds, articles, documents, origins and time; no document list', () => {
    const r = runCli(['compile', '--data', dataDir()]);
    expect(r.status, r.all).to.equal(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines, r.stdout).to.have.length(1);
    expect(lines[0]).to.match(new RegExp(`^compiled \\d+ feeds from ${SAMPLE_COUNT} articles \\(${SAMPLE_COUNT} changed\\): \\d+ feeds changed, \\d+ documents × 2 origins in \\d+ ms \\(\\d+\\.\\d s in all\\)$`));
    expect(r.stderr).to.equal('');
  });

  it('says every count in the number that agrees with it: 1 article, 1 origin, 1 file skipped, 1 problem', () => {
    const site = { ...sampleSite(), alternateOrigins: [] };
    const first = readdirSync(join(SAMPLE_DATA, 'articles')).filter((n) => n.endsWith('.json')).sort()[0] as string;
    const dir = makeDataDir({ site, articles: { [first]: readFileSync(join(SAMPLE_DATA, 'articles', first), 'utf8'), 'broken.json': '{' } });
    dirs.push(dir);
    const r = runCli(['compile', '--data', dir]);
    expect(r.stdout).to.match(/^compiled \d+ feeds from 1 article \(1 changed, 1 file skipped\): \d+ feeds changed, \d+ documents × 1 origin in \d+ ms/m);
    expect(r.all).to.not.match(/\b1 (articles|origins|files|feeds|documents)\b|\(s\)/);
    const check = runCli(['check', '--data', dir]);
    expect(check.stdout).to.include('checked site.json and 2 article files in ').and.to.include(': 1 problem');
    expect(check.all).to.not.include('(s)');
  });

  it('--verbose lists every document (path, sizes, ETag) before the summary; --json gives the same counts, parseable', () => {
    const dir = dataDir();
    const verbose = runCli(['compile', '--verbose', '--data', dir]);
    expect(verbose.status, verbose.all).to.equal(0);
    const docs = verbose.stdout.split('\n').filter((l) => DOCUMENT_LINE.test(l));
    const paths = docs.map((l) => l.split(' ')[0]);
    for (const path of ['/rss.xml', '/atom.xml', '/feed.json', '/sections/news/russia/rss.xml', '/feeds.opml']) expect(paths, path).to.include(path);
    expect(verbose.stdout.split('\n').filter(Boolean)).to.have.length(docs.length + 1);

    // A second compile of the same folder changes nothing; the counts still describe the set.
    const json = runCli(['compile', '--json', '--verbose', '--data', dir]);
    expect(json.status, json.all).to.equal(0);
    const out = JSON.parse(json.stdout) as Record<string, unknown> & { documentList: { path: string; etag: string }[] };
    expect(out.ok).to.equal(true);
    expect(out.published).to.equal(true);
    expect(out.articles).to.equal(SAMPLE_COUNT);
    expect(out.articlesChanged).to.equal(0);
    expect(out.feedsChanged).to.equal(0);
    expect(out.documents).to.equal(docs.length);
    expect(out.origins).to.equal(2);
    expect(out.skipped).to.equal(0);
    expect(out.compileMs).to.be.a('number');
    expect(out.totalMs).to.be.at.least(out.compileMs as number);
    expect(out.documentList.map((d) => d.path)).to.deep.equal(paths);
    expect(out.documentList.map((d) => d.etag)).to.deep.equal(docs.map((l) => DOCUMENT_LINE.exec(l)?.[5]));
    expect(json.stderr).to.equal('');
  });

  it('--json with a broken file: ok false, exit 1, the problem in the object with its line and column', () => {
    const dir = dataDir();
    writeArticle(dir, 'zz-broken.json', '{\n  "id": "broken",\n  "title": "a" "b"\n}\n');
    const r = runCli(['compile', '--json', '--data', dir]);
    expect(r.status, r.all).to.equal(1);
    const out = JSON.parse(r.stdout) as { ok: boolean; skipped: number; articles: number; problems: { file: string; code: string; message: string }[] };
    expect(out.ok).to.equal(false);
    expect(out.skipped).to.equal(1);
    expect(out.articles).to.equal(SAMPLE_COUNT);
    expect(out.problems).to.have.length(1);
    expect(out.problems[0]).to.include({ file: 'zz-broken.json', code: 'ARTICLE_PARSE' });
    expect(out.problems[0]?.message).to.match(/^zz-broken\.json: line 3, column 16: not valid JSON/);
  });

  it('--json with a broken or misspelt site.json: still one JSON object on stdout, ok false, exit 1 (review finding)', () => {
    const broken = dataDir();
    writeFileSync(join(broken, 'site.json'), '{\n  "title": "x",\n  "description": "y"\n  "language": "en"\n}\n');
    const r = runCli(['compile', '--json', '--data', broken]);
    expect(r.status, r.all).to.equal(1);
    const out = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; message: string } };
    expect(out.ok).to.equal(false);
    expect(out.error.code).to.equal('CONFIG_INVALID');
    expect(out.error.message).to.match(/site\.json: line 4, column 3/);
    const typo = dataDir();
    const site = JSON.parse(readFileSync(join(typo, 'site.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(typo, 'site.json'), JSON.stringify({ ...site, titel: 'x' }));
    const t = runCli(['compile', '--json', '--data', typo]);
    expect(t.status, t.all).to.equal(1);
    expect((JSON.parse(t.stdout) as { ok: boolean; error: { message: string } }).error.message).to.include('titel').and.include('title');
  });
});

