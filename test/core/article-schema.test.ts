// docs/article.schema.json (JSON Schema 2020-12, published for API clients and editors) against
// the real parser (src/core/article.ts): the sample articles (the seed article among them) and
// every valid fixture pass both; every invalid fixture fails both, on the same fields; and the
// rules only the parser can check are listed here, so the schema's description stays true.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { MAX_BODY_CHARS, MAX_SECTION_LEVELS, MAX_TAGS, validateArticle } from '../../src/core/article.js';
import { ROOT, SAMPLE_DATA } from '../support/fixtures.js';

const schema = JSON.parse(readFileSync(join(ROOT, 'docs', 'article.schema.json'), 'utf8')) as Record<string, unknown>;
const ajv = new Ajv2020({ allErrors: true, strict: true });
const validate = ajv.compile(schema);
const ZONE = 'Asia/Tehran';

const BASE = { id: 'a-1', path: '/Detail/2016/07/06/1/a', title: 'A title', body: '<p>Body.</p>', published: '2016-07-06T14:05:00+04:30' };

/** An ajv error as the parser names fields: `images[0].url`, `authors[1].name`, `publised`. */
function fieldOf(e: ErrorObject): string {
  const parts = e.instancePath.split('/').slice(1);
  let field = parts.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
  if (e.keyword === 'required') field = field === '' ? String(e.params.missingProperty) : `${field}.${String(e.params.missingProperty)}`;
  if (e.keyword === 'additionalProperties') field = field === '' ? String(e.params.additionalProperty) : `${field}.${String(e.params.additionalProperty)}`;
  return field === '' ? '(root)' : field;
}

function schemaFields(value: unknown): string[] {
  return validate(value) ? [] : [...new Set((validate.errors ?? []).map(fieldOf))].sort();
}

function parserFields(value: unknown): string[] {
  const r = validateArticle(value, ZONE);
  return 'article' in r ? [] : [...new Set(r.problems.map((p) => p.field))].sort();
}

const VALID: Record<string, unknown> = {
  'the required fields only': BASE,
  'every field': {
    ...BASE,
    summary: 'A summary.',
    updated: '2016-07-06T16:00:00Z',
    authors: [{ name: 'A. Writer', email: 'a@example.com', url: 'https://example.com/a' }, { name: 'B. Writer' }],
    section: ['News', 'Russia'],
    tags: ['Syria', 'C++'],
    images: [{ url: '/Photo/a.jpg', caption: 'A caption', credit: 'AFP', type: 'image/jpeg', width: 1024, height: 576, length: 0 }, { url: 'https://cdn.example.com/b.png' }],
    language: 'fa-IR',
    guid: 'https://old.example.com/?p=1',
  },
  'null for every optional field': { ...BASE, summary: null, updated: null, authors: null, section: null, tags: null, images: [{ url: '/a.jpg', caption: null, credit: null, width: null, height: null, length: null }], language: null, guid: null },
  'a local time without offset, a date alone, fractions and a space separator': { ...BASE, published: '2016-07-06 14:05', updated: '2016-07-06T14:05:00.123456789' },
  'a date alone': { ...BASE, published: '2016-07-06' },
  'a blank summary, caption and guid (dropped)': { ...BASE, summary: '   ', guid: ' ', images: [{ url: 'HTTPS://EXAMPLE.COM/A.JPG', caption: '' }] },
  'empty lists': { ...BASE, authors: [], section: [], tags: [], images: [], enclosures: [] },
  'as many tags and section levels as allowed, and the longest body': { ...BASE, tags: Array.from({ length: MAX_TAGS }, (_, i) => `Tag ${i}`), section: Array.from({ length: MAX_SECTION_LEVELS }, (_, i) => `Level ${i}`), body: `<p>${'x'.repeat(MAX_BODY_CHARS - 7)}</p>` },
  'a podcast episode: enclosures with length and duration': { ...BASE, enclosures: [{ url: 'https://cdn.example.com/ep1.mp3', type: 'audio/mpeg', length: 48_000_000, duration: 2_843 }, { url: '/ep1.mp4', type: 'video/mp4' }] },
  'a path with a query and fragment and non-ASCII letters': { ...BASE, path: '/خبر/2016?id=1#top' },
};

/** Invalid articles: both refuse, naming these fields. */
const INVALID: Record<string, { value: unknown; fields: string[] }> = {
  'not an object': { value: ['x'], fields: ['(root)'] },
  'every required field missing': { value: {}, fields: ['body', 'id', 'path', 'published', 'title'] },
  'a misspelt field': { value: { ...BASE, publised: '2016-07-06' }, fields: ['publised'] },
  'enclosures that are not a list': { value: { ...BASE, enclosures: { url: '/a.mp3', type: 'audio/mpeg' } }, fields: ['enclosures'] },
  'an enclosure without a media type': { value: { ...BASE, enclosures: [{ url: '/a.mp3' }] }, fields: ['enclosures[0].type'] },
  'an enclosure with an unknown key': { value: { ...BASE, enclosures: [{ url: '/a.mp3', type: 'audio/mpeg', bitrate: 128 }] }, fields: ['enclosures[0].bitrate'] },
  'an enclosure with a negative duration': { value: { ...BASE, enclosures: [{ url: '/a.mp3', type: 'audio/mpeg', duration: -1 }] }, fields: ['enclosures[0].duration'] },
  'an id with a slash': { value: { ...BASE, id: 'a/b' }, fields: ['id'] },
  'an id of 201 characters': { value: { ...BASE, id: 'x'.repeat(201) }, fields: ['id'] },
  'a path without /': { value: { ...BASE, path: 'Detail/1' }, fields: ['path'] },
  'a path with //': { value: { ...BASE, path: '//evil.example/x' }, fields: ['path'] },
  'a path with a space': { value: { ...BASE, path: '/a b' }, fields: ['path'] },
  'a path with a backslash': { value: { ...BASE, path: '/a\\b' }, fields: ['path'] },
  'a blank title': { value: { ...BASE, title: ' \t ' }, fields: ['title'] },
  'a title that is a number': { value: { ...BASE, title: 7 }, fields: ['title'] },
  'an empty body': { value: { ...BASE, body: '  ' }, fields: ['body'] },
  'a date in another format': { value: { ...BASE, published: '06/07/2016' }, fields: ['published'] },
  'an RFC 822 date': { value: { ...BASE, published: 'Wed, 06 Jul 2016 14:05:00 +0430' }, fields: ['published'] },
  'a numeric updated': { value: { ...BASE, updated: 1467799500000 }, fields: ['updated'] },
  'authors as a string': { value: { ...BASE, authors: 'A. Writer' }, fields: ['authors'] },
  'an author without a name': { value: { ...BASE, authors: [{ email: 'a@example.com' }] }, fields: ['authors[0].name'] },
  'an author with a bad e-mail and a relative URL': { value: { ...BASE, authors: [{ name: 'A', email: 'not-an-address', url: '/a' }] }, fields: ['authors[0].email', 'authors[0].url'] },
  'a blank tag': { value: { ...BASE, tags: ['Syria', ' '] }, fields: ['tags[1]'] },
  'one tag more than allowed (each tag is a feed)': { value: { ...BASE, tags: Array.from({ length: MAX_TAGS + 1 }, (_, i) => `Tag ${i}`) }, fields: ['tags'] },
  'thousands of tags': { value: { ...BASE, tags: Array.from({ length: 3000 }, (_, i) => `Tag ${i}`) }, fields: ['tags'] },
  'more tags than allowed, counted with repeats': { value: { ...BASE, tags: Array.from({ length: MAX_TAGS + 1 }, () => 'Syria') }, fields: ['tags'] },
  'one section level more than allowed (each level is a feed)': { value: { ...BASE, section: Array.from({ length: MAX_SECTION_LEVELS + 1 }, (_, i) => `Level ${i}`) }, fields: ['section'] },
  'a body one character longer than allowed': { value: { ...BASE, body: `<p>${'x'.repeat(MAX_BODY_CHARS - 6)}</p>` }, fields: ['body'] },
  'a section that is a string': { value: { ...BASE, section: 'News' }, fields: ['section'] },
  'a section entry that is null': { value: { ...BASE, section: ['News', null] }, fields: ['section[1]'] },
  'an image without a url': { value: { ...BASE, images: [{ caption: 'x' }] }, fields: ['images[0].url'] },
  'an image with a protocol-relative url': { value: { ...BASE, images: [{ url: '//cdn.example.com/a.jpg' }] }, fields: ['images[0].url'] },
  'an image with a data: url': { value: { ...BASE, images: [{ url: 'data:image/png;base64,AAAA' }] }, fields: ['images[0].url'] },
  'an image with a bad type and sizes': { value: { ...BASE, images: [{ url: '/a.jpg', type: 'jpeg', width: -1, height: 1.5, length: '10' }] }, fields: ['images[0].height', 'images[0].length', 'images[0].type', 'images[0].width'] },
  'an image that is a string': { value: { ...BASE, images: ['/a.jpg'] }, fields: ['images[0]'] },
  'a language that is not a tag': { value: { ...BASE, language: 'English language' }, fields: ['language'] },
};

/** Rules the schema cannot state: the parser refuses these, the schema lets them through. */
const PARSER_ONLY: Record<string, { value: unknown; fields: string[] }> = {
  'a title of invisible characters only': { value: { ...BASE, title: '\u200b\u2060' }, fields: ['title'] },
  'a day that does not exist': { value: { ...BASE, published: '2016-02-30T10:00:00Z' }, fields: ['published'] },
  'a year before 1900': { value: { ...BASE, published: '0050-06-01T00:00:00Z' }, fields: ['published'] },
  'updated before published': { value: { ...BASE, updated: '2016-07-06T09:00:00+04:30' }, fields: ['updated'] },
  'a title longer than 2,000 characters': { value: { ...BASE, title: 'x'.repeat(2001) }, fields: ['title'] },
  'two enclosures with the same URL': { value: { ...BASE, enclosures: [{ url: '/a.mp3', type: 'audio/mpeg' }, { url: '/a.mp3', type: 'audio/ogg' }] }, fields: ['enclosures[1].url'] },
  'an e-mail address with a control character': { value: { ...BASE, authors: [{ name: 'A', email: 'a\u0001@example.com' }] }, fields: ['authors[0].email'] },
};

describe('docs/article.schema.json agrees with the article parser', () => {
  it('is a valid JSON Schema 2020-12 document (ajv strict mode compiled it)', () => {
    expect(schema.$schema).to.equal('https://json-schema.org/draft/2020-12/schema');
    expect(validate).to.be.a('function');
  });

  it("states the parser's limits on what fans out into feeds (tags, section levels, body length)", () => {
    const props = schema.properties as Record<string, Record<string, unknown>>;
    expect(props.tags?.maxItems).to.equal(MAX_TAGS);
    expect(props.section?.maxItems).to.equal(MAX_SECTION_LEVELS);
    expect(props.body?.maxLength).to.equal(MAX_BODY_CHARS);
  });

  it('accepts every sample article, the seed article among them, as the parser does', () => {
    const files = readdirSync(join(SAMPLE_DATA, 'articles')).filter((n) => n.endsWith('.json'));
    expect(files).to.include('russia-us-syria-coordination.json'); // shared/seeds/000_80a8fa572f98a536.txt as an article
    for (const file of files) {
      const value = JSON.parse(readFileSync(join(SAMPLE_DATA, 'articles', file), 'utf8')) as unknown;
      expect(parserFields(value), file).to.deep.equal([]);
      expect(schemaFields(value), file).to.deep.equal([]);
    }
  });

  for (const [name, value] of Object.entries(VALID)) {
    it(`valid for both: ${name}`, () => {
      expect(parserFields(value), 'parser').to.deep.equal([]);
      expect(schemaFields(value), 'schema').to.deep.equal([]);
    });
  }

  for (const [name, { value, fields }] of Object.entries(INVALID)) {
    it(`invalid for both, naming the same fields: ${name}`, () => {
      expect(parserFields(value), 'parser').to.deep.equal(fields);
      expect(schemaFields(value), 'schema').to.deep.equal(fields);
    });
  }

  for (const [name, { value, fields }] of Object.entries(PARSER_ONLY)) {
    it(`only the parser refuses (the schema's description lists it): ${name}`, () => {
      expect(parserFields(value), 'parser').to.deep.equal(fields);
      expect(schemaFields(value), 'schema').to.deep.equal([]);
    });
  }
});
