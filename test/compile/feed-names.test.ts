// Feed names as readers see them (design §2): names that differ in a symbol (C++, C#, C; .NET and
// NET) are separate feeds in every place that names a feed — the feed URLs, OPML, the index page
// and the Atom category terms — each titled with its own name; and a feed's title never flips as
// articles come and go, in any order.
import { expect } from 'chai';
import { decodeXML } from 'entities';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseStringPromise } from 'xml2js';
import { slugify } from '../../src/core/scopes.js';
import { get, makeDataDir, removeDir, startService, writeArticle, type TestService } from '../support/fixtures.js';

function article(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, path: `/Detail/2016/07/01/${id}`, title: `Article ${id}`, body: `<p>${id}</p>`, published: '2016-07-01T10:00:00', ...extra };
}

/** The OPML outlines of the tag feeds: title → xmlUrl. */
async function opmlTags(t: TestService): Promise<Map<string, string>> {
  const doc = (await parseStringPromise((await get(t.port, '/feeds.opml')).text)) as any;
  const groups = doc.opml.body[0].outline as any[];
  const tags = groups.find((g) => g.$.text === 'Tags');
  return new Map(((tags?.outline ?? []) as any[]).map((o) => [o.$.title as string, o.$.xmlUrl as string]));
}

/** The title of one feed document. */
async function feedTitle(t: TestService, path: string): Promise<string> {
  const r = await get(t.port, path);
  expect(r.status, path).to.equal(200);
  // The title as an XML parser reads it (RSS plain text may use &#x26; or &amp;).
  return decodeXML(/<channel>\s*<title>([^<]*)<\/title>/.exec(r.text)?.[1] ?? '(none)');
}

describe('feed names: two names, two feeds', () => {
  let dataDir: string;
  let t: TestService | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
    removeDir(dataDir);
  });

  it('publishes C++, C#, C, .NET and NET as five tag feeds, each listed in OPML with its own title', async () => {
    const names = ['C++', 'C#', 'C', '.NET', 'NET'];
    dataDir = makeDataDir({ articles: Object.fromEntries(names.map((n, i) => [`t${i}.json`, article(`t${i}`, { tags: [n], title: `About ${n}` })])) });
    t = await startService(dataDir);
    const tags = await opmlTags(t);
    expect([...tags.keys()].sort()).to.deep.equal(names.map((n) => `Press TV: ${n}`).sort());
    expect(new Set(tags.values()).size).to.equal(names.length);
    for (const [i, n] of names.entries()) {
      const path = `/tags/${encodeURIComponent(slugify(n))}/rss.xml`;
      expect(tags.get(`Press TV: ${n}`)).to.equal(`https://www.presstv.com${path}`);
      const rss = (await get(t.port, path)).text;
      expect(await feedTitle(t, path)).to.equal(`Press TV: ${n}`);
      // Each feed holds its own article only.
      expect((rss.match(/<item>/g) ?? []).length, n).to.equal(1);
      expect(rss).to.include(`tag:presstv.com,2007:t${i}<`);
      // The Atom category term is the feed's slug, so it differs too.
      const atom = (await get(t.port, '/atom.xml')).text;
      expect(atom).to.include(`term="${slugify(n)}"`);
    }
    expect(slugify('C++')).to.not.equal('c');
    const index = (await get(t.port, '/')).text;
    for (const n of names) expect(index).to.include(`">${n.replace('&', '&amp;')}</a></td>`);
  });

  it('keeps apart section names that differ only in punctuation, each with its own title', async () => {
    const names = ['Arts & Culture', 'Arts, Culture', 'Arts Culture'];
    dataDir = makeDataDir({ articles: Object.fromEntries(names.map((n, i) => [`s${i}.json`, article(`s${i}`, { section: ['News', n] })])) });
    t = await startService(dataDir);
    for (const n of names) expect(await feedTitle(t, `/sections/news/${encodeURIComponent(slugify(n))}/rss.xml`)).to.equal(`Press TV: News / ${n}`);
    expect(new Set(names.map(slugify)).size).to.equal(3);
    expect(slugify('Arts Culture')).to.equal('arts-culture');
  });

  for (const order of [['Syria', 'syria', 'SYRIA'], ['SYRIA', 'syria', 'Syria'], ['syria', 'Syria', 'SYRIA']]) {
    it(`never flips a feed's title as articles come and go (${order.join(', ')})`, async () => {
      dataDir = makeDataDir({ articles: {} });
      let now = Date.parse('2026-11-20T10:00:00Z');
      t = await startService(dataDir, { clock: () => now });
      const titles: string[] = [];
      const look = async () => {
        now += 60_000;
        await (t as TestService).service.compiler.compile();
        const served = (await get((t as TestService).port, '/tags/syria/rss.xml')).status === 200;
        const listed = [...(await opmlTags(t as TestService)).keys()];
        const entry = listed.find((k) => k.toLowerCase() === 'press tv: syria');
        // A feed with no article left is neither served nor listed (README, "Feeds that lose their last article").
        if (!served && entry === undefined) return;
        titles.push(served ? await feedTitle(t as TestService, '/tags/syria/rss.xml') : '(not served)');
        titles.push(entry ?? '(not listed)');
      };
      for (const [i, name] of order.entries()) {
        writeArticle(dataDir, `s${i}.json`, article(`s${i}`, { tags: [name], published: `2016-07-0${i + 1}T10:00:00` }));
        await look();
      }
      rmSync(join(dataDir, 'articles', 's0.json'));
      await look();
      rmSync(join(dataDir, 'articles', 's1.json'));
      rmSync(join(dataDir, 'articles', 's2.json'));
      // Empty now: gone (look() adds nothing); back with the next article, titled as before.
      await look();
      expect(titles).to.have.length(8);
      writeArticle(dataDir, 's9.json', article('s9', { tags: [order[1]] }));
      await look();
      expect(titles).to.have.length(10);
      expect(titles).to.deep.equal(titles.map(() => `Press TV: ${order[0]}`));
    });
  }
});
