// docs/article.schema.json (an article file) and docs/article-put.schema.json (the body of
// PUT /api/articles/{id}: the same but `id`, which the URL gives), JSON Schema 2020-12 published
// for API clients and editors, against the real parser (src/core/article.ts, with the API's own
// step, articleOfPut, for bodies): the sample articles (the seed article among them) and every
// valid fixture pass both; every invalid fixture fails both, on the same fields; the rules only
// the parser can check are listed here, so the schema's description stays true; and every
// article example in README.md and docs/*.md passes the schema and the parser it is written for.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { ARTICLE_ID, MAX_BODY_CHARS, MAX_SECTION_LEVELS, MAX_TAGS, validateArticle } from '../../src/core/article.js';
import { articleOfPut } from '../../src/http/api.js';
import { ROOT, SAMPLE_DATA } from '../support/fixtures.js';

const readSchema = (name: string) => JSON.parse(readFileSync(join(ROOT, 'docs', name), 'utf8')) as Record<string, unknown>;
const schema = readSchema('article.schema.json');
const putSchema = readSchema('article-put.schema.json');
const ajv = new Ajv2020({ allErrors: true, strict: true });
const validate = ajv.compile(schema);
const validatePut = ajv.compile(putSchema);
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

function schemaFields(value: unknown, v = validate): string[] {
  return v(value) ? [] : [...new Set((v.errors ?? []).map(fieldOf))].sort();
}

function parserFields(value: unknown): string[] {
  const r = validateArticle(value, ZONE);
  return 'article' in r ? [] : [...new Set(r.problems.map((p) => p.field))].sort();
}

/** The API's fields for a PUT body at /api/articles/{urlId}: its own step, then the parser. */
function putFields(urlId: string, body: unknown): string[] {
  const put = articleOfPut(urlId, body);
  return 'errors' in put ? [...new Set(put.errors.map((p) => p.field))].sort() : parserFields(put.raw);
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

describe('docs/article-put.schema.json (a PUT body) agrees with the API and the parser', () => {
  const { id: _id, ...NO_ID } = BASE;

  it('is the article file schema with `id` optional, and nothing else changed', () => {
    const strip = ({ $id: _a, title: _t, description: _d, required: _r, ...rest }: Record<string, unknown>) => rest;
    expect(strip(putSchema)).to.deep.equal(strip(schema));
    expect(putSchema.required).to.deep.equal((schema.required as string[]).filter((f) => f !== 'id'));
    expect(schema.required).to.include('id');
  });

  it('a body without id: valid for the PUT schema and the API (the URL gives it), not as a file', () => {
    expect(putFields('a-1', NO_ID), 'API').to.deep.equal([]);
    expect(schemaFields(NO_ID, validatePut), 'PUT schema').to.deep.equal([]);
    expect(parserFields(NO_ID), 'file parser').to.deep.equal(['id']);
    expect(schemaFields(NO_ID), 'file schema').to.deep.equal(['id']);
  });

  it("a body with the URL's id: valid for both", () => {
    expect(putFields('a-1', BASE), 'API').to.deep.equal([]);
    expect(schemaFields(BASE, validatePut), 'PUT schema').to.deep.equal([]);
  });

  it('a body with an id that breaks the rule: invalid for both', () => {
    const value = { ...BASE, id: 'a/b' };
    expect(putFields('a-1', value), 'API').to.deep.equal(['id']);
    expect(schemaFields(value, validatePut), 'PUT schema').to.deep.equal(['id']);
  });

  it("a body with another article's id: only the API refuses it (the PUT schema's description says so)", () => {
    expect(putFields('a-2', BASE), 'API').to.deep.equal(['id']);
    expect(schemaFields(BASE, validatePut), 'PUT schema').to.deep.equal([]);
    expect(String(putSchema.description)).to.match(/must equal the URL's id/);
  });

  it('a body missing every required field: both name the same ones', () => {
    expect(putFields('a-1', {}), 'API').to.deep.equal(['body', 'path', 'published', 'title']);
    expect(schemaFields({}, validatePut), 'PUT schema').to.deep.equal(['body', 'path', 'published', 'title']);
  });
});

/** An article example found in a document: the JSON, where it is, and what it is written for. */
interface DocExample {
  where: string;
  value: Record<string, unknown>;
  /** The id of the `PUT /api/articles/{id}` it is the body of; undefined: an article file. */
  putId?: string;
  start: number;
  end: number;
}

/** The documents that may show articles: README.md and docs/*.md. */
function documents(): string[] {
  return ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((n) => n.endsWith('.md')).sort().map((n) => `docs/${n}`)];
}

/** The end (exclusive) of the balanced JSON-looking {…} starting at `start`, or -1. */
function braceEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i += 1) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth += 1;
    else if (c === '}') {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

const lineOf = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

/** Fenced code blocks: [start, end) of their text. */
function fences(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const re = /^ {0,3}(`{3,}|~{3,})[^\n]*\n/gm;
  let open: { fence: string; start: number } | undefined;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const fence = m[1] as string;
    if (open === undefined) open = { fence, start: m.index + m[0].length };
    else if (fence[0] === open.fence[0] && fence.length >= open.fence.length && m[0].trim() === fence) {
      out.push([open.start, m.index]);
      open = undefined;
    }
  }
  return out;
}

/**
 * Every article example in a document: each JSON object (in a code block, a heredoc, an inline
 * span) with a `body` or `published` field, or both `path` and `title`. It is a PUT body when the
 * text before it in its code block (outside one: in its paragraph) names `PUT …/api/articles/{id}`.
 */
function articleExamples(name: string): DocExample[] {
  const text = readFileSync(join(ROOT, name), 'utf8');
  const blocks = fences(text);
  const out: DocExample[] = [];
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) {
    const end = braceEnd(text, i);
    if (end === -1) continue;
    let value: unknown;
    try {
      value = JSON.parse(text.slice(i, end));
    } catch {
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    const keys = Object.keys(value);
    if (!(keys.includes('body') || keys.includes('published') || (keys.includes('path') && keys.includes('title')))) continue;
    const block = blocks.find(([s, e]) => s <= i && i < e);
    const contextStart = block !== undefined ? block[0] : Math.max(text.lastIndexOf('\n\n', i), 0);
    const context = text.slice(contextStart, i);
    const put = [...context.matchAll(/\bPUT\b[^\n]*?\/api\/articles\/([^\s'"`/?#]+)/g)].pop();
    if (put === undefined && /\/api\/articles/.test(context)) throw new Error(`${name}:${lineOf(text, i)}: an article example near /api/articles without a PUT and an id`);
    out.push({ where: `${name}:${lineOf(text, i)}`, value: value as Record<string, unknown>, putId: put?.[1], start: i, end });
    i = end - 1;
  }
  // Nothing that looks like an article field in JSON may escape the extraction (an example that
  // does not parse, say): each must lie inside an example found.
  for (const m of text.matchAll(/"(body|published)"\s*:/g)) {
    const at = m.index;
    if (!out.some((e) => e.start <= at && at < e.end)) throw new Error(`${name}:${lineOf(text, at)}: ${m[0]} is not inside an article example that parses as JSON`);
  }
  return out;
}

describe('every article example in README.md and docs/*.md passes the schema and the parser', () => {
  const examples = documents().flatMap(articleExamples);

  it('finds the examples: the README\'s API example (a PUT body without id) and its article file', () => {
    const put = examples.filter((e) => e.putId !== undefined);
    expect(put.map((e) => e.where), 'PUT bodies').to.have.length.greaterThan(0);
    expect(put.some((e) => e.where.startsWith('README.md') && !('id' in e.value)), 'a README PUT body without id').to.equal(true);
    expect(examples.filter((e) => e.putId === undefined && e.where.startsWith('README.md')).map((e) => e.where), 'article files').to.have.length.greaterThan(0);
  });

  for (const e of examples) {
    if (e.putId !== undefined) {
      const urlId = e.putId;
      it(`${e.where}: the body of PUT /api/articles/${urlId} passes docs/article-put.schema.json and the API`, () => {
        expect(ARTICLE_ID.test(urlId), `the URL's id "${urlId}"`).to.equal(true);
        expect(schemaFields(e.value, validatePut), 'PUT schema').to.deep.equal([]);
        expect(putFields(urlId, e.value), 'API and parser').to.deep.equal([]);
      });
    } else {
      it(`${e.where}: the article file passes docs/article.schema.json and the parser`, () => {
        expect(schemaFields(e.value), 'file schema').to.deep.equal([]);
        expect(parserFields(e.value), 'parser').to.deep.equal([]);
      });
    }
  }
});
