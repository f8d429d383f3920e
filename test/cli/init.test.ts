// `feedwright init [DIR]` through the built CLI: a starter data folder that check, compile and
// serve accept as is, and never an overwritten file.
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get, removeDir, startService } from '../support/fixtures.js';
import { feedListTitle } from '../../src/core/feed-model.js';
import { runCli } from '../support/cli-run.js';
import { startServeProcess } from '../support/serve-process.js';

describe('cli init (issue 12)', function () {
  this.timeout(180_000);
  const dirs: string[] = [];
  const emptyDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'feedwright-init-'));
    dirs.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of dirs) removeDir(dir);
  });

  it('writes site.json and an example article into an empty folder; check and compile accept them, serve serves them', async () => {
    const dir = join(emptyDir(), 'site');
    const r = runCli(['init', dir]);
    expect(r.status, r.all).to.equal(0);
    expect(readdirSync(dir).sort()).to.deep.equal(['articles', 'site.json']);
    expect(readdirSync(join(dir, 'articles'))).to.deep.equal(['welcome.json']);
    expect(r.stdout).to.include(`wrote ${join(dir, 'site.json')}`);
    expect(r.stdout).to.include(`feedwright compile --data ${dir}`);

    const check = runCli(['check', '--data', dir]);
    expect(check.status, check.all).to.equal(0);
    // One file: the singular, never "file(s)".
    expect(check.stdout).to.include('checked site.json and 1 article file in ');
    expect(check.stdout).to.include('no problems');

    const compile = runCli(['compile', '--data', dir, '--json']);
    expect(compile.status, compile.all).to.equal(0);
    const summary = JSON.parse(compile.stdout) as { ok: boolean; articles: number; feeds: number };
    expect(summary.ok).to.equal(true);
    expect(summary.articles).to.equal(1);
    expect(summary.feeds, 'the site feed, its section and its tag').to.equal(3);

    const article = JSON.parse(readFileSync(join(dir, 'articles', 'welcome.json'), 'utf8')) as { title: string };
    const site = JSON.parse(readFileSync(join(dir, 'site.json'), 'utf8')) as { origin: string };
    const serve = await startServeProcess(dir);
    try {
      const rss = await get(serve.port, '/rss.xml', { host: new URL(site.origin).host });
      expect(rss.status).to.equal(200);
      expect(rss.text).to.include(`<title>${article.title}</title>`);
    } finally {
      await serve.stop();
    }
  });

  it("titles the directory page and the OPML list of an init'd site \"My feeds\", never \"My feeds feeds\"", async () => {
    const dir = join(emptyDir(), 'site');
    const r = runCli(['init', dir]);
    expect(r.status, r.all).to.equal(0);
    const site = JSON.parse(readFileSync(join(dir, 'site.json'), 'utf8')) as { title: string; origin: string };
    expect(site.title).to.equal('My feeds');
    const service = await startService(dir);
    try {
      const host = { host: new URL(site.origin).host };
      const page = await get(service.port, '/', host);
      expect(page.status).to.equal(200);
      expect(page.text).to.include('<title>My feeds</title>');
      expect(page.text).to.include('<h1>My feeds</h1>');
      expect(page.text).to.include('title="My feeds (OPML)"');
      const opml = await get(service.port, '/feeds.opml', host);
      expect(opml.status).to.equal(200);
      expect(opml.text).to.include('<title>My feeds</title>');
      for (const text of [page.text, opml.text]) expect(text).to.not.match(/feeds feeds/i);
    } finally {
      await service.close();
    }
  });

  it('adds "feeds" to a site title that does not already end with the word feed or feeds', () => {
    const cases: [string, string][] = [
      ['My feeds', 'My feeds'],
      ['Daily Feed', 'Daily Feed'],
      ['The Newsroom FEEDS.', 'The Newsroom FEEDS.'],
      ['The Daily', 'The Daily feeds'],
      ['Newsfeed', 'Newsfeed feeds'],
      ['Feeding Time', 'Feeding Time feeds'],
    ];
    for (const [title, expected] of cases) expect(feedListTitle({ title }), title).to.equal(expected);
  });

  it('with no DIR writes into the data folder (--data)', () => {
    const dir = join(emptyDir(), 'data');
    const r = runCli(['init', '--data', dir]);
    expect(r.status, r.all).to.equal(0);
    expect(existsSync(join(dir, 'site.json'))).to.equal(true);
    expect(existsSync(join(dir, 'articles', 'welcome.json'))).to.equal(true);
  });

  it('refuses to overwrite an existing site.json or example article, exits 1 naming it and writes nothing', () => {
    const withSite = emptyDir();
    writeFileSync(join(withSite, 'site.json'), '{"title": "mine"}');
    const r = runCli(['init', withSite]);
    expect(r.status, r.all).to.equal(1);
    expect(r.stderr).to.include(join(withSite, 'site.json'));
    expect(r.stderr).to.include('exists already');
    expect(readFileSync(join(withSite, 'site.json'), 'utf8')).to.equal('{"title": "mine"}');
    expect(existsSync(join(withSite, 'articles')), 'nothing written').to.equal(false);

    const withArticle = emptyDir();
    mkdirSync(join(withArticle, 'articles'));
    writeFileSync(join(withArticle, 'articles', 'welcome.json'), '{}');
    const again = runCli(['init', withArticle]);
    expect(again.status, again.all).to.equal(1);
    expect(again.stderr).to.include(join(withArticle, 'articles', 'welcome.json'));
    expect(existsSync(join(withArticle, 'site.json')), 'nothing written').to.equal(false);
    expect(readFileSync(join(withArticle, 'articles', 'welcome.json'), 'utf8')).to.equal('{}');
  });
});
