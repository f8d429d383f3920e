// Fields that look blank: a title, name, tag, section level or setting made only of white space
// and invisible characters (zero-width, format, filler, braille blank, lone combining marks) is
// refused with its field named, or dropped when the field is optional; invisible characters at
// the ends of a line are trimmed, and the typography inside a line is kept.
import { expect } from 'chai';
import { validateArticle } from '../../src/core/article.js';
import { FeedwrightError } from '../../src/core/errors.js';
import { hasVisibleText, identifierLine, plainLine } from '../../src/core/plain-text.js';
import { articleScopes } from '../../src/core/scopes.js';
import { validateSiteConfig } from '../../src/core/site.js';
import { isCronExpression } from '../../src/compile/schedule.js';
import { parseFeed } from '../../src/import/feed-importer.js';
import { get, makeDataDir, removeDir, sampleSite as rawSite, startService } from '../support/fixtures.js';

/** Values a reader sees as empty, by kind. */
const BLANKS: Record<string, string> = {
  'em space, zero-width space, ideographic space (the field report)': '\u2003\u200B\u3000',
  'zero-width space': '\u200B',
  'zero-width non-joiner and joiner': '\u200C\u200D',
  'word joiner': '\u2060',
  'byte order mark': '\uFEFF',
  'braille pattern blank': '\u2800',
  'Hangul filler': '\u3164',
  'Hangul choseong and jungseong fillers': '\u115F\u1160',
  'halfwidth Hangul filler': '\uFFA0',
  'no-break space': '\u00A0',
  'line separator': '\u2028',
  'soft hyphen': '\u00AD',
  'left-to-right and right-to-left marks': '\u200E\u200F',
  'variation selector alone': '\uFE0F',
  'combining acute accent alone': '\u0301',
  'Mongolian vowel separator': '\u180E',
  'tag characters': '\u{E0020}\u{E007F}',
  'a mix, with ASCII spaces': ' \u200B \u2800 \u3164 ',
};

const GOOD = { id: 'ok-1', path: '/ok', title: 'OK', body: '<p>ok</p>', published: '2016-07-06T14:05:00' };

function problemsOf(raw: unknown): { field: string; message: string }[] {
  const result = validateArticle(raw, 'Asia/Tehran');
  return 'problems' in result ? result.problems : [];
}

describe('blank fields: plainLine and hasVisibleText', () => {
  for (const [name, blank] of Object.entries(BLANKS)) {
    it(`sees nothing visible in ${name}`, () => {
      expect(hasVisibleText(blank)).to.equal(false);
      expect(hasVisibleText(plainLine(blank))).to.equal(false);
    });
  }

  it('sees visible text in letters, digits, punctuation, emoji, CJK and marks on a base', () => {
    for (const s of ['a', '7', '—', '.', '😀', '❤\uFE0F', '漢', 'e\u0301', 'خبر', '\u200Fخبر', '\uE000']) expect(hasVisibleText(s), JSON.stringify(s)).to.equal(true);
  });

  it('trims white space and invisible characters at both ends (the field-reported title is empty)', () => {
    expect(plainLine('\u2003\u200B\u3000')).to.equal('');
    expect(plainLine('\u200B\u3000 Title \u00A0\u2800\uFEFF')).to.equal('Title');
    expect(plainLine('\u3164\u115FTitle\u2060')).to.equal('Title');
  });

  it('keeps what carries meaning: no-break spaces inside, joiners inside, bidi marks, a trailing variation selector', () => {
    expect(plainLine('News\u00A0/\u00A0Russia')).to.equal('News\u00A0/\u00A0Russia');
    expect(plainLine('می\u200Cخواهم')).to.equal('می\u200Cخواهم');
    expect(plainLine('\u200Fهشدار ۱۴۰۱\u200E')).to.equal('\u200Fهشدار ۱۴۰۱\u200E');
    expect(plainLine('I \u2764\uFE0F Tehran \u2764\uFE0F')).to.equal('I \u2764\uFE0F Tehran \u2764\uFE0F');
    expect(plainLine('東京\u3000大阪')).to.equal('東京\u3000大阪');
  });

  it('folds ASCII white space and line separators inside a line to one space', () => {
    expect(plainLine('a \t\n b\u2028c\u2029\u2029d')).to.equal('a b c d');
  });

  it('identifierLine (guids) changes nothing but white space, so ids stay as readers know them', () => {
    expect(identifierLine(' urn:x\u200B \n y ')).to.equal('urn:x\u200B y');
  });
});

describe('blank fields: validateArticle', () => {
  it('accepts the good article (so the cases below fail for their own reason)', () => {
    expect(validateArticle(GOOD, 'Asia/Tehran')).to.have.property('article');
  });

  for (const [name, blank] of Object.entries(BLANKS)) {
    it(`refuses a title, an author name, a section level and a tag of ${name}, naming each`, () => {
      const problems = problemsOf({
        ...GOOD,
        title: blank,
        authors: [{ name: 'Real' }, { name: blank }],
        section: ['News', blank],
        tags: ['ok', blank],
      });
      expect(problems.map((p) => p.field)).to.deep.equal(['title', 'authors[1].name', 'section[1]', 'tags[1]']);
      for (const p of problems) expect(p.message).to.match(/visible character/);
    });

    it(`drops an optional summary, caption, credit and guid of ${name}`, () => {
      const result = validateArticle({ ...GOOD, summary: blank, guid: blank, images: [{ url: '/a.jpg', caption: blank, credit: blank }] }, 'Asia/Tehran');
      expect(result).to.have.property('article');
      const article = (result as unknown as { article: Record<string, unknown> }).article;
      expect(article).to.not.have.property('summary');
      expect(article).to.not.have.property('guid');
      expect(article.images).to.deep.equal([{ url: '/a.jpg' }]);
    });
  }

  it('stores the field-reported article with no invisible tag feed: its tag is refused, not given /tags/x-…/', () => {
    const raw = { ...GOOD, title: 'Visible', tags: ['Syria', '\u200B'], authors: [{ name: '\u2800' }] };
    expect(problemsOf(raw).map((p) => p.field)).to.deep.equal(['authors[0].name', 'tags[1]']);
    const ok = validateArticle({ ...raw, tags: ['Syria'], authors: [{ name: 'Ann' }] }, 'Asia/Tehran');
    const scopes = articleScopes((ok as { article: Parameters<typeof articleScopes>[0] }).article);
    expect(scopes.map((s) => s.key)).to.deep.equal(['', 'tags/syria']);
  });

  it('stores visible text trimmed of invisible ends', () => {
    const result = validateArticle({ ...GOOD, title: '\u200B\u3000Title\u2003\u200B', tags: ['\uFEFFSyria\u200B'], authors: [{ name: '\u2800Ann\u3164' }] }, 'Asia/Tehran');
    const article = (result as { article: { title: string; tags: string[]; authors: { name: string }[] } }).article;
    expect(article.title).to.equal('Title');
    expect(article.tags).to.deep.equal(['Syria']);
    expect(article.authors).to.deep.equal([{ name: 'Ann' }]);
  });
});

describe('blank fields: site settings', () => {
  const settingProblems = (patch: Record<string, unknown>): string[] => {
    try {
      validateSiteConfig({ ...rawSite(), ...patch }, isCronExpression);
    } catch (err) {
      expect(err).to.be.instanceOf(FeedwrightError);
      return (err as FeedwrightError).problems.map((p) => p.field);
    }
    return [];
  };

  for (const [name, blank] of Object.entries(BLANKS)) {
    it(`refuses a title, description, mirror notice and author name of ${name}, naming each key`, () => {
      expect(settingProblems({ title: blank, description: blank, mirrorNotice: blank, author: { name: blank } })).to.deep.equal(['title', 'description', 'author.name', 'mirrorNotice']);
      expect(settingProblems({ author: blank })).to.deep.equal(['author']);
    });
  }

  it('trims invisible ends of the text settings', () => {
    const site = validateSiteConfig({ ...rawSite(), title: '\u200BPress TV\u3000', author: '\u2800Desk\u200B', mirrorNotice: '\uFEFFAlso at:\u2003' }, isCronExpression);
    expect(site.title).to.equal('Press TV');
    expect(site.author.name).to.equal('Desk');
    expect(site.mirrorNotice).to.equal('Also at:');
  });
});

describe('blank fields: the feed importer', () => {
  const rss = (item: string) => `<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>\u200B</title><link>https://example.com/</link>${item}</channel></rss>`;

  it('makes a title from the body when the title is blank, drops blank categories, bylines and captions', async () => {
    const feed = await parseFeed(rss(`<item><title>\u2003\u200B\u3000</title><link>https://example.com/a</link><pubDate>Wed, 06 Jul 2016 14:05:00 GMT</pubDate>
      <description>&lt;p&gt;Body words here.&lt;/p&gt;</description><category>\u200B</category><category>Syria</category><dc:creator>\u2800</dc:creator>
      <media:content url="https://example.com/a.jpg" medium="image"><media:description>\u3164</media:description><media:credit>\uFEFF</media:credit></media:content></item>`), { timeZone: 'UTC' });
    expect(feed.skipped).to.deep.equal([]);
    expect(feed).to.not.have.property('title');
    const raw = feed.items[0]!.raw;
    expect(raw.title).to.equal('Body words here.');
    expect(raw.tags).to.deep.equal(['Syria']);
    expect(raw).to.not.have.property('authors');
    expect(raw.images).to.deep.equal([{ url: 'https://example.com/a.jpg' }]);
  });

  it('names an Atom author with a blank name by the e-mail, and skips an item whose only guid is blank', async () => {
    const atom = `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
      <entry><id>urn:a</id><title>A</title><updated>2016-07-06T14:05:00Z</updated><content type="html">&lt;p&gt;x&lt;/p&gt;</content><author><name>\u3164</name><email>a@example.com</email></author><category term="\u200B"/></entry>
      <entry><id>\u200B</id><title>B</title><updated>2016-07-06T14:05:00Z</updated><content type="html">&lt;p&gt;y&lt;/p&gt;</content></entry></feed>`;
    const feed = await parseFeed(atom, { timeZone: 'UTC' });
    expect(feed.items.map((i) => i.raw.authors)).to.deep.equal([[{ name: 'a@example.com', email: 'a@example.com' }]]);
    expect(feed.items[0]!.raw).to.not.have.property('tags');
    expect(feed.skipped.map((s) => s.reason)).to.deep.equal(['no guid and no link']);
  });
});

describe('blank fields end to end: an article file with an invisible title and tag', () => {
  it('is skipped naming its fields, and no /tags/x-…/ feed appears', async () => {
    const bad = { ...GOOD, id: 'invisible', title: '\u2003\u200B\u3000', tags: ['\u200B'], authors: [{ name: '\u2800' }] };
    const dataDir = makeDataDir({ articles: { 'ok.json': { ...GOOD, tags: ['Syria'] }, 'invisible.json': bad } });
    const t = await startService(dataDir);
    try {
      const opml = (await get(t.port, '/feeds.opml')).text;
      expect(opml).to.include('/tags/syria/rss.xml');
      expect(opml).to.not.match(/\/tags\/x-/);
      expect((await get(t.port, '/rss.xml')).text).to.not.include('\u200B');
    } finally {
      await t.close();
      removeDir(dataDir);
    }
  });
});
