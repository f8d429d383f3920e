// Sanitising at store time (issue 10): each article is stored with its prepared (sanitised) form
// under a key naming what it was made with; a compile uses it only when the key is the current
// one and sanitises again otherwise, so a change of embedHosts or origins never serves a stale
// preparation. Over real files, a real SQLite store and a real listening server.
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArticle, type Article } from '../../src/core/article.js';
import { prepareItem } from '../../src/core/feed-model.js';
import { validateSiteConfig } from '../../src/core/site.js';
import { prepareForStore, preparedItemOf, preparedKey, prepareSettingsOf } from '../../src/compile/prepared.js';
import { get, makeDataDir, removeDir, SAMPLE_DATA, sampleSite, startService, type TestService } from '../support/fixtures.js';

const EMBED = 'https://embed.example/player/1';
const BODY = `<p>Lead <a href="/world/x">own link</a> and <a href="https://www.presstv.com/a?b=1&amp;c">absolute own</a> and <a href="https://mirror.example/m">a mirror-to-be</a>.</p><iframe src="${EMBED}"></iframe><p><img src="/img/body.jpg" srcset="/img/b,1.jpg 1x, https://cdn.example/i.jpg 2x"><script>alert(1)</script><span onclick="x()">text</span></p>`;

function raw(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: 'embed-story', path: '/news/embed-story', title: 'Embed story', body: BODY, published: '2016-07-06T14:05:00+04:30', section: ['News'], tags: ['Video'], images: [{ url: 'https://www.presstv.com/img/lead.jpg', caption: 'Lead <caption>' }], ...extra };
}

function site(extra: Record<string, unknown>) {
  return validateSiteConfig({ ...sampleSite(), ...extra }, () => true);
}

describe('prepared forms stored with the article', () => {
  it('decodes to exactly what prepareItem gives with the same settings, and prepares again with others', () => {
    const withEmbed = prepareSettingsOf(site({ embedHosts: ['embed.example'] }));
    const without = prepareSettingsOf(site({ embedHosts: ['www.youtube.com'] }));
    const mirrors = prepareSettingsOf(site({ embedHosts: ['embed.example'], alternateOrigins: ['https://www.presstv.ir', 'https://mirror.example'] }));
    for (const extra of [{}, { summary: 'Own summary' }, { images: [] }, { body: '<p>plain</p>' }]) {
      const article = parseArticle(raw(extra), 'UTC');
      const blob = prepareForStore(article, withEmbed);
      expect(blob.key).to.equal(preparedKey(withEmbed));
      expect(preparedItemOf({ article, prepared: blob }, withEmbed)).to.deep.equal(prepareItem(article, withEmbed.origins, withEmbed.embedHosts));
      // Another embed list or another origin list: the stored form is not used.
      expect(preparedKey(without)).to.not.equal(blob.key);
      expect(preparedKey(mirrors)).to.not.equal(blob.key);
      expect(preparedItemOf({ article, prepared: blob }, without)).to.deep.equal(prepareItem(article, without.origins, without.embedHosts));
      expect(preparedItemOf({ article, prepared: blob }, mirrors)).to.deep.equal(prepareItem(article, mirrors.origins, mirrors.embedHosts));
    }
    const article = parseArticle(raw(), 'UTC');
    expect(preparedItemOf({ article, prepared: prepareForStore(article, withEmbed) }, withEmbed).content.join('')).to.include(EMBED);
    expect(preparedItemOf({ article, prepared: prepareForStore(article, withEmbed) }, without).content.join('')).to.not.include('<iframe');
    // A stored form that does not decode is prepared again, never trusted.
    expect(preparedItemOf({ article, prepared: { key: preparedKey(withEmbed), data: '{"c":' } }, withEmbed)).to.deep.equal(prepareItem(article, withEmbed.origins, withEmbed.embedHosts));
  });

  describe('through compiles', () => {
    let dataDir: string;
    let t: TestService | undefined;
    beforeEach(() => {
      dataDir = makeDataDir({ site: { ...sampleSite(), embedHosts: ['embed.example'] }, articles: { 'embed-story.json': raw() } });
    });
    afterEach(async () => {
      await t?.close();
      t = undefined;
      removeDir(dataDir);
    });
    const setSite = (extra: Record<string, unknown>) => writeFileSync(join(dataDir, 'site.json'), JSON.stringify({ ...sampleSite(), ...extra }, null, 2));
    const rows = () => {
      const db = new Database(join(dataDir, 'feedwright.db'), { readonly: true });
      try {
        return db.prepare('SELECT id, doc, changed_at, prepared_key, prepared FROM articles WHERE deleted = 0 ORDER BY id').all() as { id: string; doc: string; changed_at: number; prepared_key: string | null; prepared: string | null }[];
      } finally {
        db.close();
      }
    };
    const storedRow = () => {
      const db = new Database(join(dataDir, 'feedwright.db'), { readonly: true });
      try {
        return db.prepare('SELECT prepared_key, prepared FROM articles WHERE id = ?').get('embed-story') as { prepared_key: string | null; prepared: string | null };
      } finally {
        db.close();
      }
    };

    it('stores the preparation at write time and renders from it (a mark put into the stored form shows)', async () => {
      t = await startService(dataDir);
      const row = storedRow();
      expect(row.prepared_key).to.equal(preparedKey(prepareSettingsOf(site({ embedHosts: ['embed.example'] }))));
      expect(row.prepared).to.include('embed.example');
      await t.close();
      t = undefined;
      // The stored form is what the compile uses: change its summary, then force a full render by
      // a setting the preparation does not depend on (the title).
      const db = new Database(join(dataDir, 'feedwright.db'));
      const data = JSON.parse(row.prepared as string) as { s: string };
      db.prepare('UPDATE articles SET prepared = ? WHERE id = ?').run(JSON.stringify({ ...data, s: 'Summary from the stored form' }), 'embed-story');
      db.close();
      setSite({ embedHosts: ['embed.example'], title: 'Retitled' });
      t = await startService(dataDir);
      expect((await get(t.port, '/feed.json')).text).to.include('Summary from the stored form');
    });

    it('after a settings change, the forms the renders prepared are stored: the next compile sanitises nothing (through the worker pool)', async () => {
      // The sample articles beside the embed story.
      for (const name of readdirSync(join(SAMPLE_DATA, 'articles'))) copyFileSync(join(SAMPLE_DATA, 'articles', name), join(dataDir, 'articles', name));
      t = await startService(dataDir);
      expect(t.service.compiler.renderer.threads()).to.be.above(0);
      const first = t.service.compiler.lastReport();
      // Every article was prepared where it was stored (the file sync): the renders prepared none.
      expect(first?.feedsRendered).to.be.above(0);
      expect(first?.itemsPrepared).to.equal(0);
      const articles = rows().length;
      expect(articles).to.equal(11);
      await t.close();
      t = undefined;
      // A new origin: a new key, so every stored form is stale; the files did not change.
      const mirrors = { embedHosts: ['embed.example'], alternateOrigins: ['https://www.presstv.ir', 'https://mirror.example'] };
      setSite(mirrors);
      const settings = prepareSettingsOf(site(mirrors));
      t = await startService(dataDir);
      const second = t.service.compiler.lastReport();
      expect(second?.ok).to.equal(true);
      expect(second?.itemsPrepared).to.be.at.least(articles);
      expect(second?.preparedStored).to.equal(articles);
      // Stored under the new key, and what they decode to is what sanitising now gives.
      for (const r of rows()) {
        expect(r.prepared_key, r.id).to.equal(preparedKey(settings));
        const article = JSON.parse(r.doc) as Article;
        expect(preparedItemOf({ article, prepared: { key: r.prepared_key as string, data: r.prepared as string } }, settings), r.id).to.deep.equal(prepareItem(article, settings.origins, settings.embedHosts));
      }
      const changedAt = rows().map((r) => [r.id, r.changed_at]);
      await t.close();
      t = undefined;
      // A setting the preparation does not depend on: every feed is rendered again, from the stored forms.
      setSite({ ...mirrors, title: 'Retitled' });
      t = await startService(dataDir);
      const third = t.service.compiler.lastReport();
      expect(third?.ok).to.equal(true);
      expect(third?.feedsRendered).to.equal(second?.feedsRendered);
      expect(third?.itemsPrepared).to.equal(0);
      expect(third?.preparedStored).to.equal(0);
      // Storing a form is not a change of the article.
      expect(rows().map((r) => [r.id, r.changed_at])).to.deep.equal(changedAt);
      expect((await get(t.port, '/rss.xml', { host: 'mirror.example' })).text).to.include('https://mirror.example/a?b=1&amp;amp;c');
    });

    it('a change of embedHosts is never served from the stale stored form: the compile sanitises again', async () => {
      t = await startService(dataDir);
      expect((await get(t.port, '/rss.xml')).text).to.include(EMBED);
      await t.close();
      t = undefined;
      setSite({ embedHosts: ['www.youtube.com'] });
      t = await startService(dataDir);
      const rss = (await get(t.port, '/rss.xml')).text;
      expect(rss).to.include('Embed story');
      expect(rss).to.not.include(EMBED);
      expect(rss).to.not.include('iframe');
      for (const path of ['/atom.xml', '/feed.json', '/tags/video/rss.xml']) expect((await get(t.port, path)).text, path).to.not.include(EMBED);
      // And back: allowed again, shown again.
      await t.close();
      t = undefined;
      setSite({ embedHosts: ['embed.example'] });
      t = await startService(dataDir);
      expect((await get(t.port, '/rss.xml')).text).to.include(EMBED);
    });

    it('a change of origins is never served from the stale stored form: own absolute URLs follow the new origins', async () => {
      t = await startService(dataDir);
      expect((await get(t.port, '/rss.xml', { host: 'www.presstv.com' })).text).to.include('https://mirror.example/m');
      await t.close();
      t = undefined;
      setSite({ embedHosts: ['embed.example'], alternateOrigins: ['https://www.presstv.ir', 'https://mirror.example'] });
      t = await startService(dataDir);
      const mirror = (await get(t.port, '/rss.xml', { host: 'mirror.example' })).text;
      expect(mirror).to.include('https://mirror.example/a?b=1&amp;amp;c');
      expect(mirror).to.include('https://mirror.example/img/lead.jpg');
      // A URL on a host that has become one of the site's origins is now written per origin.
      const primary = (await get(t.port, '/rss.xml', { host: 'www.presstv.com' })).text;
      expect(primary).to.include('https://www.presstv.com/m');
      expect(primary).to.not.include('https://mirror.example/m');
    });
  });
});
