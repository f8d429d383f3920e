// Issue 13, part 4: old feed URLs keep working. site.json `redirects` (exact paths, `{name}`
// patterns, query-string feeds) and `formerPlatform` answer 301 with a Location on the origin that
// was asked (never another host), only to a document that exists; a loop is refused at start-up.
import { expect } from 'chai';
import { FeedwrightError } from '../../src/core/errors.js';
import { validateSiteConfig } from '../../src/core/site.js';
import { matchRedirect, parseRedirects } from '../../src/core/redirects.js';
import { get, makeDataDir, removeDir, sampleSite, startService, type TestService } from '../support/fixtures.js';

const world = {
  id: 'world-1',
  path: '/world/1',
  title: 'A world story',
  body: '<p>Text.</p>',
  published: '2024-03-05T10:00:00Z',
  section: ['World'],
  tags: ['Transport'],
};

const ORIGINS = ['www.presstv.com', 'www.presstv.ir'];

describe('redirects: old feed URLs answer 301 to the feed they became', () => {
  let ts: TestService;
  let dataDir: string;

  before(async () => {
    dataDir = makeDataDir({
      site: { ...sampleSite(), redirects: { '/feed/': '/rss.xml', '/category/{slug}/feed/': '/sections/{slug}/rss.xml', '/?feed=rss2': '/rss.xml', '/old/gone/': '/sections/nothing-here/rss.xml' } },
      articles: { 'world-1.json': world },
    });
    ts = await startService(dataDir);
  });
  after(async () => {
    await ts.close();
    removeDir(dataDir);
  });

  for (const [from, to] of [['/feed/', '/rss.xml'], ['/feed', '/rss.xml'], ['/category/world/feed/', '/sections/world/rss.xml'], ['/?feed=rss2', '/rss.xml'], ['/feed/?utm_source=x', '/rss.xml']]) {
    it(`${from} → 301 ${to} on each origin`, async () => {
      for (const host of ORIGINS) {
        const res = await get(ts.port, from as string, { Host: host });
        expect(res.status, host).to.equal(301);
        expect(res.headers.location, host).to.equal(`https://${host}${to}`);
        // The target is served.
        expect((await get(ts.port, to as string, { Host: host })).status).to.equal(200);
      }
    });
  }

  it('an unknown Host gets the primary origin; HEAD works too', async () => {
    const res = await get(ts.port, '/feed/', { Host: 'evil.example' });
    expect(res.headers.location).to.equal('https://www.presstv.com/rss.xml');
    const head = await get(ts.port, '/category/world/feed/', { Host: 'www.presstv.ir' }, 'HEAD');
    expect(head.status).to.equal(301);
    expect(head.headers.location).to.equal('https://www.presstv.ir/sections/world/rss.xml');
  });

  it('never redirects to a feed that does not exist, and never hides a document', async () => {
    expect((await get(ts.port, '/category/no-such/feed/')).status).to.equal(404);
    expect((await get(ts.port, '/old/gone/')).status).to.equal(404);
    // The home page without the query is the index page, not a redirect.
    expect((await get(ts.port, '/')).status).to.equal(200);
    expect((await get(ts.port, '/?feed=comments-rss2')).status).to.equal(200);
  });
});

describe('redirects: formerPlatform answers the common WordPress feed paths', () => {
  let ts: TestService;
  let dataDir: string;

  before(async () => {
    dataDir = makeDataDir({ site: { ...sampleSite(), formerPlatform: 'wordpress' }, articles: { 'world-1.json': world } });
    ts = await startService(dataDir);
  });
  after(async () => {
    await ts.close();
    removeDir(dataDir);
  });

  it('/feed/, /feed/atom/, /?feed=rss2, /category/world/feed/, /tag/transport/feed/', async () => {
    for (const [from, to] of [['/feed/', '/rss.xml'], ['/feed/atom/', '/atom.xml'], ['/?feed=rss2', '/rss.xml'], ['/category/world/feed/', '/sections/world/rss.xml'], ['/tag/transport/feed/', '/tags/transport/rss.xml']]) {
      const res = await get(ts.port, from as string, { Host: 'www.presstv.ir' });
      expect(res.status, from).to.equal(301);
      expect(res.headers.location, from).to.equal(`https://www.presstv.ir${to}`);
    }
  });
});

describe('redirects: settings', () => {
  const site = (extra: Record<string, unknown>) => validateSiteConfig({ ...sampleSite(), ...extra }, () => true);

  it('refuses a loop at start-up, naming the key', () => {
    for (const redirects of [{ '/a/': '/b/', '/b/': '/a/' }, { '/feed/': '/feed/' }, { '/x/{slug}/': '/y/{slug}/', '/y/{name}/': '/x/{name}/' }]) {
      expect(() => site({ redirects }), JSON.stringify(redirects)).to.throw(FeedwrightError, /redirects\["\/[a-z]+\/(\{slug\}\/|\{name\}\/)?"\] leads to .* itself redirected/);
    }
  });

  it('refuses a target off the site, a {name} the old path lacks and a bad platform', () => {
    expect(() => site({ redirects: { '/feed/': 'https://elsewhere.example/rss.xml' } })).to.throw(/never leaves the site's origins/);
    expect(() => site({ redirects: { '/feed/': '//elsewhere.example/rss.xml' } })).to.throw(/never leaves the site's origins/);
    expect(() => site({ redirects: { '/c/{slug}/': '/sections/{name}/rss.xml' } })).to.throw(/uses \{name\}/);
    expect(() => site({ formerPlatform: 'drupal' })).to.throw(/formerPlatform must be one of wordpress, ghost/);
  });

  it('matches query feeds exactly, patterns by whole segments, rules with a query first', () => {
    const rules = parseRedirects({ '/{a}/': '/tags/{a}/rss.xml', '/?feed=rss2': '/rss.xml', '/?feed=atom': '/atom.xml' }, undefined, []);
    expect(matchRedirect(rules, '/?feed=atom')).to.equal('/atom.xml');
    expect(matchRedirect(rules, '/?feed=rss2&cat=5')).to.equal(undefined);
    expect(matchRedirect(rules, '/x/y/')).to.equal(undefined);
    expect(matchRedirect(rules, '/x')).to.equal('/tags/x/rss.xml');
  });
});
