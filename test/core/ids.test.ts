// Item identity (design §4): an item's id is its guid when it has one, else a tag: URI from the
// id prefix and the article id; the same in RSS guid, Atom id and JSON id, on every domain,
// before and after an edit, and when the primary domain changes.
import { expect } from 'chai';
import type { Article } from '../../src/core/article.js';
import type { RenderContext } from '../../src/core/feed-model.js';
import type { Scope } from '../../src/core/scopes.js';
import { validateSiteConfig } from '../../src/core/site.js';
import { isCronExpression } from '../../src/compile/schedule.js';
import { buildFeed, contextFor, mustValidate, parseXml, rawSampleSite, renderAll, sampleArticles, sampleSite, textOf, xmlErrors } from './helpers.js';

const site = sampleSite();
const SCOPE: Scope = { key: '', kind: 'site', label: '' };
const OLD_GUID = 'http://old.example.com/?p=123';

interface Ids {
  rss: string[];
  rssPermaLink: string[];
  atom: string[];
  json: string[];
  links: string[];
  atomFeedId: string;
}

/** Renders the articles as one feed and reads the item ids back from each format. */
async function idsOf(articles: Article[], ctx: RenderContext): Promise<Ids> {
  const docs = renderAll(buildFeed(SCOPE, articles, ctx.site), ctx);
  expect(xmlErrors(docs.rss)).to.deep.equal([]);
  expect(xmlErrors(docs.atom)).to.deep.equal([]);
  const rss = await parseXml(docs.rss);
  const atom = await parseXml(docs.atom);
  const json = JSON.parse(docs.json);
  const items: any[] = rss.rss.channel[0].item;
  return {
    rss: items.map((i) => textOf(i.guid[0])),
    rssPermaLink: items.map((i) => i.guid[0].$.isPermaLink),
    atom: atom.feed.entry.map((e: any) => textOf(e.id[0])),
    json: json.items.map((i: any) => i.id),
    links: items.map((i) => textOf(i.link[0])),
    atomFeedId: textOf(atom.feed.id[0]),
  };
}

const base = {
  id: 'edit-me-1',
  path: '/Detail/2016/07/06/1/original-title',
  title: 'Original title',
  body: '<p>Original body</p>',
  published: '2016-07-06T14:05:00',
  section: ['News', 'Russia'],
};
const withGuid = { ...base, id: 'imported-7', path: '/Detail/2016/07/05/7/imported', published: '2016-07-05T10:00:00', guid: OLD_GUID };
const withAmpGuid = { ...base, id: 'imported-8', path: '/Detail/2016/07/04/8/imported', published: '2016-07-04T10:00:00', guid: 'http://old.example.com/?p=124&lang=en' };

function validated(...raws: Record<string, unknown>[]): Article[] {
  return raws.map((r) => mustValidate(r, site.timeZone));
}

describe('item ids', () => {
  it('are the tag: URI of every sample article, equal in RSS guid, Atom id and JSON id', async () => {
    const articles = sampleArticles(site);
    const ids = await idsOf(articles, contextFor(site));
    const expected = ids.rss; // in feed order; checked against the article ids as a set below
    expect(ids.atom).to.deep.equal(expected);
    expect(ids.json).to.deep.equal(expected);
    expect([...expected].sort()).to.deep.equal(articles.map((a) => `tag:presstv.com,2007:${a.id}`).sort());
    expect(new Set(expected).size).to.equal(articles.length);
    expect(ids.rssPermaLink.every((v) => v === 'false')).to.equal(true);
  });

  it('use the guid verbatim when the article has one, in all three formats', async () => {
    const ids = await idsOf(validated(base, withGuid, withAmpGuid), contextFor(site));
    const expected = ['tag:presstv.com,2007:edit-me-1', OLD_GUID, 'http://old.example.com/?p=124&lang=en'];
    expect(ids.rss).to.deep.equal(expected);
    expect(ids.atom).to.deep.equal(expected);
    expect(ids.json).to.deep.equal(expected);
    // An imported URL guid is still an id, not a permalink: the article lives on this site now.
    expect(ids.rssPermaLink).to.deep.equal(['false', 'false', 'false']);
  });

  it('do not change when the article is edited (title, body, path, images, updated)', async () => {
    const before = await idsOf(validated(base, withGuid), contextFor(site));
    const editedBase = {
      ...base,
      title: 'A completely new title',
      body: '<p>Rewritten body</p><h2>New sub-heading</h2>',
      path: '/Detail/2016/07/06/1/new-slug',
      updated: '2016-07-07T09:00:00',
      images: [{ url: '/Photo/new.jpg', caption: 'new', credit: 'AFP' }],
      tags: ['Syria'],
    };
    const editedGuid = { ...withGuid, title: 'Imported, edited', body: '<p>changed</p>', updated: '2016-07-08T00:00:00+04:30' };
    const after = await idsOf(validated(editedBase, editedGuid), contextFor(site));
    expect(after.rss).to.deep.equal(before.rss);
    expect(after.atom).to.deep.equal(before.rss);
    expect(after.json).to.deep.equal(before.rss);
    // The edit did reach the documents: the link moved with the path.
    expect(after.links[0]).to.equal('https://www.presstv.com/Detail/2016/07/06/1/new-slug');
    expect(before.links[0]).to.equal('https://www.presstv.com/Detail/2016/07/06/1/original-title');
  });

  it('are the same when the feed is rendered for the alternate origin', async () => {
    const articles = validated(base, withGuid, withAmpGuid);
    const mirror = site.origins[1]!;
    expect(mirror.href).to.equal('https://www.presstv.ir');
    const primary = await idsOf(articles, contextFor(site, site.origins[0]!));
    const alternate = await idsOf(articles, contextFor(site, mirror));
    expect(alternate.rss).to.deep.equal(primary.rss);
    expect(alternate.atom).to.deep.equal(primary.atom);
    expect(alternate.json).to.deep.equal(primary.json);
    expect(alternate.atomFeedId).to.equal(primary.atomFeedId);
    // ... while the links do follow the origin.
    expect(alternate.links.every((l) => l.startsWith('https://www.presstv.ir/'))).to.equal(true);
    expect(primary.links.every((l) => l.startsWith('https://www.presstv.com/'))).to.equal(true);
    for (const id of alternate.atom) expect(id).not.to.include('presstv.ir');
  });

  it('are the same when the primary domain changes (origin and alternate swapped in site.json)', async () => {
    const raw = rawSampleSite();
    const swapped = validateSiteConfig({ ...raw, origin: 'https://www.presstv.ir', alternateOrigins: ['https://www.presstv.com'] }, isCronExpression);
    expect(swapped.origins[0]!.href).to.equal('https://www.presstv.ir');
    const articles = sampleArticles(site);
    const before = await idsOf(articles, contextFor(site));
    const after = await idsOf(articles, contextFor(swapped));
    expect(after.rss).to.deep.equal(before.rss);
    expect(after.atom).to.deep.equal(before.atom);
    expect(after.json).to.deep.equal(before.json);
    expect(after.atomFeedId).to.equal(before.atomFeedId);
    expect(after.links[0]).to.match(/^https:\/\/www\.presstv\.ir\//);
  });

  it('follow the configured id prefix, not a domain', async () => {
    const other = validateSiteConfig({ ...rawSampleSite(), idPrefix: 'tag:example.org,2020:' }, isCronExpression);
    const ids = await idsOf(validated(base, withGuid), contextFor(other));
    expect(ids.rss).to.deep.equal(['tag:example.org,2020:edit-me-1', OLD_GUID]);
    expect(ids.atom).to.deep.equal(ids.rss);
    expect(ids.json).to.deep.equal(ids.rss);
  });
});
