// Alternate domains (issue 4, design §4–§5) over a real listening server: every document on every
// origin links only that origin (bar the mirror notice and the mirror advertisements), ids never
// move between origins or when the primary changes, a Host that is not configured never reaches
// the output, Link / Onion-Location / `_feedwright` advertise the other origins, and each origin
// has its own validators. Requests go through node:http (and raw sockets), never fetch.
import { expect } from 'chai';
import { connect } from 'node:net';
import { parseStringPromise } from 'xml2js';
import { get, makeDataDir, removeDir, sampleSite, startService, type TestResponse, type TestService } from '../support/fixtures.js';

const PRIMARY = 'https://www.presstv.com';
const MIRROR = 'https://www.presstv.ir';
const ONION = 'http://presstvxyzabcdefghijklmnopqrstuvwxyz234567abcdefghijklmno.onion';
const ORIGINS = [PRIMARY, MIRROR, ONION] as const;
const NAMES: Record<string, string> = { [PRIMARY]: 'primary', [MIRROR]: 'mirror', [ONION]: 'onion' };
const MIRROR_NOTICE = 'Press TV’s website can also be accessed at the following alternate addresses:';

/** `host[:port]` of an origin, as a client sends it in Host. */
const hostOf = (origin: string): string => new URL(origin).host;

/** The sample site with the three origins of this suite (and any other settings given). */
function threeOriginSite(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...sampleSite(), origin: PRIMARY, alternateOrigins: [MIRROR, ONION], mirrorNotice: MIRROR_NOTICE, ...extra };
}

const SECTION = '/sections/news/russia';
const TAG = '/tags/syria';
/** A tag whose slug is not ASCII (تهران), so its paths are percent-encoded. */
const PERSIAN_TAG = '/tags/%D8%AA%D9%87%D8%B1%D8%A7%D9%86';
const FEEDS: string[] = [];
for (const base of ['', SECTION, TAG, PERSIAN_TAG]) for (const file of ['rss.xml', 'atom.xml', 'feed.json']) FEEDS.push(`${base}/${file}`);
/**
 * Every document this suite reads on every origin and expects to differ by origin: the feeds, the
 * OPML and a preview page (it shows the feed's URL on its origin). `/` links only by path, so it
 * is the same on every origin (checked on its own).
 */
const DOCS = [...FEEDS, '/feeds.opml', `${SECTION}/feed.html`];

type Kind = 'rss' | 'atom' | 'json' | 'opml' | 'html';
function kindOf(path: string): Kind {
  if (path.endsWith('/rss.xml')) return 'rss';
  if (path.endsWith('/atom.xml')) return 'atom';
  if (path.endsWith('/feed.json')) return 'json';
  if (path.endsWith('.opml')) return 'opml';
  return 'html';
}
const MEDIA_TYPES: Record<Kind, string> = {
  rss: 'application/rss+xml',
  atom: 'application/atom+xml',
  json: 'application/feed+json',
  opml: 'text/x-opml',
  html: 'text/html',
};

/** One header as a single string (undefined when absent). */
function header(r: { headers: Record<string, string | string[] | undefined> }, name: string): string | undefined {
  const v = r.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** Decodes the character references an HTML attribute or text may carry. */
function decodeHtml(text: string): string {
  return text.replace(/&(#[0-9]+|#[xX][0-9a-fA-F]+|amp|lt|gt|quot|apos);/g, (_, ref: string) => {
    if (ref.startsWith('#x') || ref.startsWith('#X')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[ref] as string;
  });
}

/** Every string in a parsed document: XML attribute values and text (xml2js), JSON string values. */
function collectStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, out);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) collectStrings(v, out);
  return out;
}

/** The strings of a served document: XML parsed (so escaped HTML comes back as HTML), JSON parsed, HTML as is. */
async function documentStrings(path: string, text: string): Promise<string[]> {
  const kind = kindOf(path);
  if (kind === 'json') {
    // The `_feedwright` mirror entries name the other origins on purpose (checked on their own).
    const { _feedwright: _, ...rest } = JSON.parse(text) as Record<string, unknown>;
    return collectStrings(rest);
  }
  if (kind === 'html') return [text];
  return collectStrings(await parseStringPromise(text, { explicitArray: true, explicitCharkey: true }));
}

const NOTICE = /<p class="feedwright-mirrors">([\s\S]*?)<\/p>/g;
const URL_IN_TEXT = /\bhttps?:\/\/[^\s"'<>\\`]+/gi;

/** One mirror notice: its text before the first link, and its links (href and link text). */
interface Notice {
  text: string;
  links: { href: string; label: string }[];
}

/** Splits the strings of a document into the mirror notices and every http(s) URL outside them. */
function analyse(strings: string[]): { notices: Notice[]; urls: string[] } {
  const notices: Notice[] = [];
  const urls: string[] = [];
  for (const s of strings) {
    const rest = s.replace(NOTICE, (_, inner: string) => {
      const links = [...inner.matchAll(/<a href="([^"]*)">([^<]*)<\/a>/g)].map((m) => ({ href: decodeHtml(m[1] ?? ''), label: decodeHtml(m[2] ?? '') }));
      notices.push({ text: decodeHtml(inner.replace(/<a [\s\S]*$/, '')).trim(), links });
      return ' ';
    });
    for (const m of decodeHtml(rest).matchAll(URL_IN_TEXT)) urls.push(m[0]);
  }
  return { notices, urls };
}

/** The site origin (of the three) a URL's host names, or undefined for a foreign URL. */
function siteOriginNamed(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  return ORIGINS.find((o) => new URL(o).hostname === u.hostname);
}

/** The URL's own origin (`scheme://host[:port]`). */
function originOf(url: string): string {
  return new URL(url).origin;
}

/** Parses a Link header (RFC 8288) into its links. */
function parseLinks(value: string | undefined): { url: string; params: Record<string, string> }[] {
  if (value === undefined) return [];
  const out: { url: string; params: Record<string, string> }[] = [];
  for (const m of value.matchAll(/<([^>]*)>((?:\s*;\s*[a-zA-Z*-]+\s*=\s*(?:"[^"]*"|[^;,\s]+))*)/g)) {
    const params: Record<string, string> = {};
    for (const p of (m[2] ?? '').matchAll(/;\s*([a-zA-Z*-]+)\s*=\s*(?:"([^"]*)"|([^;,\s]+))/g)) params[(p[1] ?? '').toLowerCase()] = p[2] ?? p[3] ?? '';
    out.push({ url: m[1] ?? '', params });
  }
  return out;
}

/** The ids readers know a feed's items (and an Atom feed) by, in document order. */
async function idsOf(path: string, text: string): Promise<string[]> {
  const kind = kindOf(path);
  if (kind === 'json') return (JSON.parse(text) as { items: { id: string }[] }).items.map((i) => i.id);
  const doc = await parseStringPromise(text, { explicitArray: true, explicitCharkey: true });
  const t = (n: any): string => (typeof n === 'string' ? n : (n?._ as string | undefined) ?? '');
  if (kind === 'rss') return ((doc.rss.channel[0].item ?? []) as any[]).map((i) => `guid:${t(i.guid?.[0])}`);
  if (kind === 'atom') return [`feed:${t(doc.feed.id[0])}`, ...((doc.feed.entry ?? []) as any[]).map((e) => `entry:${t(e.id?.[0])}`)];
  throw new Error(`no ids in ${path}`);
}

/** The self link and the home link of a feed document. */
async function selfAndHome(path: string, text: string): Promise<{ self: string | undefined; home: string | undefined }> {
  const kind = kindOf(path);
  if (kind === 'json') {
    const j = JSON.parse(text) as { feed_url?: string; home_page_url?: string };
    return { self: j.feed_url, home: j.home_page_url };
  }
  const doc = await parseStringPromise(text, { explicitArray: true, explicitCharkey: true });
  if (kind === 'rss') {
    const channel = doc.rss.channel[0];
    const self = ((channel['atom:link'] ?? []) as any[]).find((l) => l.$?.rel === 'self');
    return { self: self?.$?.href, home: channel.link?.[0]?._ ?? channel.link?.[0] };
  }
  const links = (doc.feed.link ?? []) as any[];
  return { self: links.find((l) => l.$?.rel === 'self')?.$?.href, home: links.find((l) => l.$?.rel === 'alternate')?.$?.href };
}

/** Each item of a feed document: its link and its full HTML content. */
async function itemsOf(path: string, text: string): Promise<{ link: string; html: string }[]> {
  const kind = kindOf(path);
  if (kind === 'json') return (JSON.parse(text) as { items: { url: string; content_html: string }[] }).items.map((i) => ({ link: i.url, html: i.content_html }));
  const doc = await parseStringPromise(text, { explicitArray: true, explicitCharkey: true });
  const t = (n: any): string => (typeof n === 'string' ? n : (n?._ as string | undefined) ?? '');
  if (kind === 'rss') return ((doc.rss.channel[0].item ?? []) as any[]).map((i) => ({ link: t(i.link?.[0]), html: t(i['content:encoded']?.[0]) }));
  return ((doc.feed.entry ?? []) as any[]).map((e) => ({
    link: ((e.link ?? []) as any[]).find((l) => l.$?.rel === 'alternate')?.$?.href as string,
    html: t(e.content?.[0]),
  }));
}

/** A raw response read off a socket. */
interface RawResponse {
  status: number;
  head: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** Sends raw bytes on a socket (for requests node:http cannot send: no Host, absolute-form). */
function raw(port: number, text: string): Promise<RawResponse> {
  return new Promise((resolvePromise, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => {
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      const head = all.subarray(0, split).toString('latin1');
      const headers: Record<string, string> = {};
      for (const line of head.split('\r\n').slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolvePromise({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0), head, headers, body: all.subarray(split + 4) });
    });
    socket.on('error', reject);
  });
}

describe('alternate domains over a real server (issue 4)', function () {
  let svc: TestService;
  let dir: string;
  /** `${origin} ${path}` → the response on that origin. */
  const served = new Map<string, TestResponse>();
  const on = (origin: string, path: string): TestResponse => served.get(`${origin} ${path}`) as TestResponse;

  before(async function () {
    dir = makeDataDir({ site: threeOriginSite() });
    svc = await startService(dir);
    for (const origin of ORIGINS) {
      for (const path of DOCS) {
        const r = await get(svc.port, path, { Host: hostOf(origin) });
        expect(r.status, `${NAMES[origin]} ${path}`).to.equal(200);
        served.set(`${origin} ${path}`, r);
      }
    }
  });

  after(async function () {
    await svc?.close();
    if (dir) removeDir(dir);
  });

  describe('every URL uses the serving origin', function () {
    for (const origin of ORIGINS) {
      for (const path of DOCS) {
        // Regression: sample articles carry image URLs written absolute on the primary
        // (aleppo-aid-convoy, euro-2016-final-preview) and site.json's author.url is the primary;
        // all must follow the serving origin.
        it(`${NAMES[origin]} ${path}: every site URL outside the mirror notice is on ${origin}`, async function () {
          const r = on(origin, path);
          const { urls } = analyse(await documentStrings(path, r.text));
          const own = urls.filter((u) => siteOriginNamed(u) !== undefined);
          // Not vacuous: the document does link the site.
          expect(own.length, 'site URLs found').to.be.greaterThan(0);
          const wrong = own.filter((u) => originOf(u) !== origin);
          expect(wrong, `URLs not on the serving origin ${origin}`).to.deep.equal([]);
        });
      }
    }

    for (const origin of ORIGINS) {
      for (const path of FEEDS) {
        it(`${NAMES[origin]} ${path}: the self link is ${origin}${path} and the home link ${origin}/`, async function () {
          const { self, home } = await selfAndHome(path, on(origin, path).text);
          expect(self).to.equal(`${origin}${path}`);
          expect(home).to.equal(`${origin}/`);
        });
      }
    }

    for (const origin of ORIGINS) {
      it(`${NAMES[origin]}: item links in every feed are the article paths on ${origin}`, async function () {
        for (const path of FEEDS) {
          const items = await itemsOf(path, on(origin, path).text);
          expect(items.length, path).to.be.greaterThan(0);
          for (const item of items) expect(originOf(item.link), `${path} ${item.link}`).to.equal(origin);
        }
      });

      it(`${NAMES[origin]}: / and /feeds.opml list only ${origin} feed URLs, for every feed served`, async function () {
        const opml = on(origin, '/feeds.opml').text;
        const xmlUrls = [...opml.matchAll(/xmlUrl="([^"]*)"/g)].map((m) => decodeHtml(m[1] ?? ''));
        expect(xmlUrls).to.include(`${origin}/rss.xml`).and.to.include(`${origin}${SECTION}/rss.xml`).and.to.include(`${origin}${PERSIAN_TAG}/rss.xml`);
        for (const u of xmlUrls) expect(originOf(u), u).to.equal(origin);
        // `/` names no host: its links are paths, resolved against whatever host it is viewed on.
        const page = (await get(svc.port, '/', { Host: hostOf(origin) })).text;
        const alternates = [...page.matchAll(/<link rel="alternate" type="([^"]*)"[^>]*href="([^"]*)"/g)].map((m) => ({ type: m[1], href: decodeHtml(m[2] ?? '') }));
        expect(alternates.map((a) => a.href)).to.include('/rss.xml').and.to.include('/feed.json').and.to.include('/feeds.opml');
        for (const a of alternates) expect(new URL(a.href, origin).origin, a.href).to.equal(origin);
        expect(page).to.not.match(/(href|src)="(https?:)?\/\//);
      });
    }
  });

  describe('ids are byte-identical on every origin', function () {
    for (const path of FEEDS) {
      it(`${path}: guid / entry id / feed id / JSON id are the same on the three origins`, async function () {
        const primary = await idsOf(path, on(PRIMARY, path).text);
        expect(primary.length).to.be.greaterThan(kindOf(path) === 'atom' ? 1 : 0);
        for (const id of primary) expect(id, 'ids come from idPrefix').to.match(/(^|:)tag:presstv\.com,2007:/);
        for (const origin of [MIRROR, ONION]) expect(await idsOf(path, on(origin, path).text), NAMES[origin]).to.deep.equal(primary);
      });
    }
  });

  describe('the mirror notice', function () {
    for (const origin of ORIGINS) {
      for (const path of FEEDS) {
        it(`${NAMES[origin]} ${path}: each item ends with one notice linking the article on each other origin`, async function () {
          const items = await itemsOf(path, on(origin, path).text);
          expect(items.length).to.be.greaterThan(0);
          const others = ORIGINS.filter((o) => o !== origin);
          for (const item of items) {
            const articlePath = new URL(item.link).pathname;
            const { notices } = analyse([item.html]);
            expect(notices, item.link).to.have.length(1);
            expect(item.html.trimEnd(), 'the notice ends the content').to.match(/<p class="feedwright-mirrors">[\s\S]*<\/p>$/);
            const notice = notices[0] as Notice;
            expect(notice.text).to.equal(MIRROR_NOTICE);
            expect(notice.links.map((l) => l.href)).to.deep.equal(others.map((o) => `${o}${articlePath}`));
            expect(notice.links.map((l) => l.label)).to.deep.equal(others.map(hostOf));
            for (const l of notice.links) expect(originOf(l.href), 'never the serving origin').to.not.equal(origin);
          }
        });
      }
    }
  });

  describe('mirror advertisements: Link, Onion-Location, _feedwright', function () {
    for (const origin of ORIGINS) {
      for (const path of FEEDS) {
        it(`${NAMES[origin]} ${path}: Link lists the same feed on the two other origins`, function () {
          const r = on(origin, path);
          const links = parseLinks(header(r, 'link'));
          const others = ORIGINS.filter((o) => o !== origin);
          expect(links.map((l) => l.url)).to.have.members(others.map((o) => `${o}${path}`));
          expect(links).to.have.length(2);
          for (const l of links) {
            expect(l.params.rel, l.url).to.equal('alternate');
            expect(l.params.type, l.url).to.equal(MEDIA_TYPES[kindOf(path)]);
          }
        });
      }
    }

    for (const path of DOCS) {
      it(`${path}: Onion-Location on the primary only`, function () {
        expect(header(on(PRIMARY, path), 'onion-location')).to.equal(`${ONION}${path}`);
        expect(header(on(MIRROR, path), 'onion-location'), 'mirror').to.equal(undefined);
        expect(header(on(ONION, path), 'onion-location'), 'onion').to.equal(undefined);
      });
    }

    for (const origin of ORIGINS) {
      for (const path of FEEDS.filter((p) => kindOf(p) === 'json')) {
        it(`${NAMES[origin]} ${path}: _feedwright.mirrors lists the two other feed URLs`, function () {
          const j = JSON.parse(on(origin, path).text) as { _feedwright?: { mirrors?: unknown } };
          const others = ORIGINS.filter((o) => o !== origin);
          expect(j._feedwright?.mirrors).to.deep.equal(others.map((o) => ({ feed_url: `${o}${path}`, home_page_url: `${o}/`, onion: o === ONION })));
        });
      }
    }
  });

  describe('validators per origin', function () {
    for (const path of DOCS) {
      it(`${path}: each origin has its own ETag, stable across requests, and its own 304`, async function () {
        const etags = ORIGINS.map((o) => header(on(o, path), 'etag') as string);
        for (const e of etags) expect(e).to.match(/^"[^"]+"$/);
        expect(new Set(etags).size, 'three distinct ETags').to.equal(3);
        for (const [i, origin] of ORIGINS.entries()) {
          const host = hostOf(origin);
          const again = await get(svc.port, path, { Host: host });
          expect(header(again, 'etag'), `${NAMES[origin]} again`).to.equal(etags[i]);
          expect(again.body.equals(on(origin, path).body), `${NAMES[origin]} same bytes`).to.equal(true);
          const hit = await get(svc.port, path, { Host: host, 'If-None-Match': etags[i] as string });
          expect(hit.status, `${NAMES[origin]} own ETag`).to.equal(304);
          expect(hit.body.length).to.equal(0);
          expect(header(hit, 'etag')).to.equal(etags[i]);
          for (const [j, other] of etags.entries()) {
            if (j === i) continue;
            const miss = await get(svc.port, path, { Host: host, 'If-None-Match': other });
            expect(miss.status, `${NAMES[origin]} with ${NAMES[ORIGINS[j] as string]}'s ETag`).to.equal(200);
            expect(miss.body.equals(on(origin, path).body)).to.equal(true);
          }
        }
      });
    }

    it('compressed variants are per origin too (gzip and br ETags differ between origins and revalidate on their own)', async function () {
      for (const coding of ['gzip', 'br']) {
        const tags: string[] = [];
        for (const origin of ORIGINS) {
          const r = await get(svc.port, '/rss.xml', { Host: hostOf(origin), 'Accept-Encoding': coding });
          expect(header(r, 'content-encoding')).to.equal(coding);
          const tag = header(r, 'etag') as string;
          tags.push(tag);
          const hit = await get(svc.port, '/rss.xml', { Host: hostOf(origin), 'Accept-Encoding': coding, 'If-None-Match': tag });
          expect(hit.status).to.equal(304);
        }
        expect(new Set(tags).size, coding).to.equal(3);
      }
    });
  });

  describe('a Host that is not configured gets the primary origin', function () {
    /** Asserts a response is exactly the primary origin's document and never names `spoofed`. */
    function expectPrimary(path: string, r: { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }, spoofed: string | undefined, what: string): void {
      const primary = on(PRIMARY, path);
      expect(r.status, what).to.equal(200);
      expect(header(r, 'etag'), `${what}: ETag`).to.equal(header(primary, 'etag'));
      expect(r.body.equals(primary.body), `${what}: the primary origin's bytes`).to.equal(true);
      expect(header(r, 'link'), `${what}: Link`).to.equal(header(primary, 'link'));
      expect(header(r, 'onion-location'), `${what}: Onion-Location`).to.equal(`${ONION}${path}`);
      if (spoofed !== undefined) {
        const name = spoofed.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
        expect(r.body.toString('utf8').toLowerCase(), `${what}: body`).to.not.include(name);
        expect(JSON.stringify(r.headers).toLowerCase(), `${what}: headers`).to.not.include(name);
      }
    }

    // [Host, the name that must not appear] ('presstv.ir' is part of a configured name, so it does).
    const SPOOFED: [string, string | undefined][] = [
      ['evil.example', 'evil.example'],
      ['EVIL.example:443', 'evil.example'],
      ['www.presstv.com.evil.example', 'evil.example'],
      ['presstv.ir', undefined],
      ['localhost', 'localhost'],
      ['[::1]', '[::1]'],
    ];
    for (const [host, name] of SPOOFED) {
      it(`Host: ${host}`, async function () {
        for (const path of DOCS) expectPrimary(path, await get(svc.port, path, { Host: host }), name, `${host} ${path}`);
      });
    }

    it('Host: an IP address (127.0.0.1 and 127.0.0.1:port)', async function () {
      for (const host of ['127.0.0.1', `127.0.0.1:${svc.port}`]) {
        for (const path of DOCS) expectPrimary(path, await get(svc.port, path, { Host: host }), undefined, `${host} ${path}`);
      }
    });

    it('a configured name with an odd port or a trailing dot', async function () {
      for (const host of ['www.presstv.ir:8443', 'www.presstv.ir:80', 'www.presstv.ir.', 'www.presstv.ir.:443', `${hostOf(ONION)}:443`, `${hostOf(ONION)}.`]) {
        for (const path of DOCS) expectPrimary(path, await get(svc.port, path, { Host: host }), undefined, `${host} ${path}`);
      }
    });

    it('an HTTP/1.0 request with no Host at all', async function () {
      for (const path of DOCS) {
        const r = await raw(svc.port, `GET ${path} HTTP/1.0\r\n\r\n`);
        expectPrimary(path, r, undefined, `no Host ${path}`);
      }
    });

    it('an empty Host header', async function () {
      for (const path of DOCS) {
        const r = await raw(svc.port, `GET ${path} HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n`);
        // An empty Host is allowed when the target has no authority (RFC 9112 §3.2).
        expectPrimary(path, r, undefined, `empty Host ${path}`);
      }
    });

    it('an absolute-form target naming an unknown authority, even with a mirror Host (RFC 9112 §3.2.2)', async function () {
      const r = await raw(svc.port, 'GET http://evil.example/rss.xml HTTP/1.1\r\nHost: www.presstv.ir\r\nConnection: close\r\n\r\n');
      expectPrimary('/rss.xml', r, 'evil.example', 'absolute-form');
      const mirror = await raw(svc.port, 'GET https://www.presstv.ir/rss.xml HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n');
      expect(mirror.body.equals(on(MIRROR, '/rss.xml').body), 'absolute-form on the mirror').to.equal(true);
    });

    it('X-Forwarded-Host is ignored without behindProxy', async function () {
      for (const path of DOCS) {
        expectPrimary(path, await get(svc.port, path, { 'X-Forwarded-Host': 'www.presstv.ir' }), undefined, `XFH mirror, IP Host ${path}`);
        expectPrimary(path, await get(svc.port, path, { Host: 'www.presstv.com', 'X-Forwarded-Host': 'www.presstv.ir' }), undefined, `XFH mirror, primary Host ${path}`);
        expectPrimary(path, await get(svc.port, path, { Host: 'evil.example', 'X-Forwarded-Host': 'www.presstv.ir', 'X-Forwarded-Proto': 'https' }), 'evil.example', `XFH mirror, evil Host ${path}`);
        const mirror = await get(svc.port, path, { Host: 'www.presstv.ir', 'X-Forwarded-Host': 'evil.example' });
        expect(mirror.body.equals(on(MIRROR, path).body), `Host mirror, XFH evil ${path}`).to.equal(true);
        expect(mirror.text).to.not.include('evil.example');
      }
    });
  });

  describe('a configured Host in another spelling selects its origin', function () {
    for (const [host, origin] of [
      ['WWW.PRESSTV.IR:443', MIRROR],
      ['Www.PressTV.ir', MIRROR],
      ['www.presstv.com:443', PRIMARY],
      [`${hostOf(ONION).toUpperCase()}:80`, ONION],
    ] as const) {
      it(`Host: ${host}`, async function () {
        for (const path of DOCS) {
          const r = await get(svc.port, path, { Host: host });
          expect(r.body.equals(on(origin, path).body), `${host} ${path} is the ${NAMES[origin]} document`).to.equal(true);
          expect(header(r, 'etag')).to.equal(header(on(origin, path), 'etag'));
        }
      });
    }
  });
});

describe('alternate domains behind a proxy (behindProxy: true)', function () {
  let svc: TestService;
  let dir: string;
  const primary = new Map<string, Buffer>();
  const mirror = new Map<string, Buffer>();
  const onion = new Map<string, Buffer>();

  before(async function () {
    dir = makeDataDir({ site: threeOriginSite({ behindProxy: true }) });
    svc = await startService(dir);
    for (const path of DOCS) {
      primary.set(path, (await get(svc.port, path, { Host: 'www.presstv.com' })).body);
      mirror.set(path, (await get(svc.port, path, { Host: 'www.presstv.ir' })).body);
      onion.set(path, (await get(svc.port, path, { Host: hostOf(ONION) })).body);
    }
  });

  after(async function () {
    await svc?.close();
    if (dir) removeDir(dir);
  });

  it('the three origins still give three different documents', function () {
    for (const path of DOCS) expect(new Set([primary, mirror, onion].map((m) => m.get(path)?.toString('base64'))).size, path).to.equal(3);
  });

  it('X-Forwarded-Host: www.presstv.ir selects the mirror (whatever Host the proxy sends)', async function () {
    for (const path of DOCS) {
      for (const host of ['127.0.0.1', 'www.presstv.com', 'backend.internal:8080']) {
        const r = await get(svc.port, path, { Host: host, 'X-Forwarded-Host': 'www.presstv.ir', 'X-Forwarded-Proto': 'https' });
        expect(r.body.equals(mirror.get(path) as Buffer), `${host} ${path}`).to.equal(true);
        if (kindOf(path) !== 'html' && kindOf(path) !== 'opml') expect((await selfAndHome(path, r.text)).self).to.equal(`${MIRROR}${path}`);
        expect(header(r, 'onion-location'), 'no Onion-Location on the mirror').to.equal(undefined);
      }
    }
  });

  it('X-Forwarded-Host in another spelling (WWW.PRESSTV.IR:443) and the onion host select their origins', async function () {
    for (const path of DOCS) {
      expect((await get(svc.port, path, { 'X-Forwarded-Host': 'WWW.PRESSTV.IR:443' })).body.equals(mirror.get(path) as Buffer), path).to.equal(true);
      expect((await get(svc.port, path, { 'X-Forwarded-Host': hostOf(ONION) })).body.equals(onion.get(path) as Buffer), path).to.equal(true);
    }
  });

  it('an unknown X-Forwarded-Host gets the primary and never appears in the response', async function () {
    for (const path of DOCS) {
      for (const forwarded of ['evil.example', 'www.presstv.ir:8443', 'www.presstv.ir.']) {
        const r = await get(svc.port, path, { Host: 'www.presstv.ir', 'X-Forwarded-Host': forwarded });
        expect(r.status).to.equal(200);
        expect(r.body.equals(primary.get(path) as Buffer), `${forwarded} ${path}`).to.equal(true);
        expect(header(r, 'onion-location')).to.equal(`${ONION}${path}`);
      }
      const evil = await get(svc.port, path, { Host: 'www.presstv.ir', 'X-Forwarded-Host': 'evil.example' });
      expect(evil.text).to.not.include('evil.example');
      expect(JSON.stringify(evil.headers)).to.not.include('evil.example');
    }
  });

  it('without X-Forwarded-Host (or with an empty one) the Host still decides', async function () {
    for (const path of DOCS) {
      expect((await get(svc.port, path, { Host: 'www.presstv.ir' })).body.equals(mirror.get(path) as Buffer), path).to.equal(true);
      expect((await get(svc.port, path, { Host: 'www.presstv.ir', 'X-Forwarded-Host': '' })).body.equals(mirror.get(path) as Buffer), path).to.equal(true);
      expect((await get(svc.port, path, { Host: 'evil.example' })).body.equals(primary.get(path) as Buffer), path).to.equal(true);
    }
  });
});

describe('ids do not move when the primary origin changes', function () {
  /** Every feed path the service serves → its ids, read on the service's primary origin. */
  async function allIds(site: Record<string, unknown>, expectPrimary: string): Promise<Map<string, string[]>> {
    const dir = makeDataDir({ site });
    const svc = await startService(dir);
    try {
      const set = svc.service.compiler.current();
      expect(set, 'published').to.not.equal(undefined);
      const paths = [...(set?.documents.keys() ?? [])].filter((p) => p !== '/' && p !== '/feeds.opml' && !p.endsWith('.html')).sort();
      const out = new Map<string, string[]>();
      for (const path of paths) {
        const r = await get(svc.port, path);
        expect(r.status, path).to.equal(200);
        out.set(path, await idsOf(path, r.text));
      }
      // Not vacuous: the primary (no Host) really is the configured one.
      expect((await selfAndHome('/rss.xml', (await get(svc.port, '/rss.xml')).text)).self).to.equal(`${expectPrimary}/rss.xml`);
      return out;
    } finally {
      await svc.close();
      removeDir(dir);
    }
  }

  let before_: Map<string, string[]>;

  before(async function () {
    before_ = await allIds(threeOriginSite(), PRIMARY);
    expect(before_.size).to.be.greaterThan(30);
  });

  function expectSameIds(after: Map<string, string[]>): void {
    expect([...after.keys()]).to.deep.equal([...before_.keys()]);
    for (const [path, ids] of before_) expect(new Set(after.get(path)), path).to.deep.equal(new Set(ids));
    const all = (m: Map<string, string[]>) => new Set([...m.values()].flat());
    expect(all(after)).to.deep.equal(all(before_));
  }

  it('swapping the primary and the alternate', async function () {
    expectSameIds(await allIds(threeOriginSite({ origin: MIRROR, alternateOrigins: [PRIMARY, ONION] }), MIRROR));
  });

  it('a new primary origin (https://presstv.example), the old one dropped', async function () {
    expectSameIds(await allIds(threeOriginSite({ origin: 'https://presstv.example', alternateOrigins: [MIRROR, ONION] }), 'https://presstv.example'));
  });

  it('a single-origin site on yet another domain', async function () {
    expectSameIds(await allIds(threeOriginSite({ origin: 'http://localhost:8080', alternateOrigins: [] }), 'http://localhost:8080'));
  });
});

describe('a single-origin site advertises no mirrors', function () {
  let svc: TestService;
  let dir: string;

  before(async function () {
    const site = { ...sampleSite(), origin: PRIMARY } as Record<string, unknown>;
    delete site.alternateOrigins;
    dir = makeDataDir({ site });
    svc = await startService(dir);
  });

  after(async function () {
    await svc?.close();
    if (dir) removeDir(dir);
  });

  it('no notice, no Link, no Onion-Location, no _feedwright; links on the one origin', async function () {
    for (const path of DOCS) {
      for (const host of ['www.presstv.com', 'www.presstv.ir', 'evil.example']) {
        const r = await get(svc.port, path, { Host: host });
        expect(r.status, path).to.equal(200);
        expect(r.text, `${path} notice`).to.not.include('feedwright-mirrors');
        expect(header(r, 'link'), `${path} Link`).to.equal(undefined);
        expect(header(r, 'onion-location'), `${path} Onion-Location`).to.equal(undefined);
        if (kindOf(path) === 'json') expect(JSON.parse(r.text)).to.not.have.property('_feedwright');
        if (FEEDS.includes(path)) {
          for (const item of await itemsOf(path, r.text)) {
            expect(originOf(item.link)).to.equal(PRIMARY);
            expect(analyse([item.html]).notices).to.have.length(0);
          }
        }
      }
    }
  });
});

describe('a primary with only an onion mirror', function () {
  let svc: TestService;
  let dir: string;

  before(async function () {
    dir = makeDataDir({ site: threeOriginSite({ alternateOrigins: [ONION] }) });
    svc = await startService(dir);
  });

  after(async function () {
    await svc?.close();
    if (dir) removeDir(dir);
  });

  it('primary carries Onion-Location to the same path, the onion origin does not; Link names the other one', async function () {
    for (const path of DOCS) {
      const p = await get(svc.port, path, { Host: 'www.presstv.com' });
      expect(header(p, 'onion-location'), path).to.equal(`${ONION}${path}`);
      const o = await get(svc.port, path, { Host: hostOf(ONION) });
      expect(header(o, 'onion-location'), path).to.equal(undefined);
      if (FEEDS.includes(path)) {
        expect(parseLinks(header(p, 'link')).map((l) => l.url)).to.deep.equal([`${ONION}${path}`]);
        expect(parseLinks(header(o, 'link')).map((l) => l.url)).to.deep.equal([`${PRIMARY}${path}`]);
      }
    }
  });
});

describe('URLs written absolute on a configured origin follow the serving origin', function () {
  // Regression: a URL written absolute on any configured origin (images, body, bylines,
  // site.json author.url) must not send a mirror reader back to the blocked domain.
  // Issue 4 §2: image and enclosure URLs and content URLs use the serving origin.
  let svc: TestService;
  let dir: string;
  const PATH = '/Detail/2016/07/10/1/absolute-urls';
  const article = {
    id: 'absolute-urls',
    path: PATH,
    title: 'Absolute URLs',
    section: ['News'],
    tags: ['Absolute'],
    published: '2016-07-10T10:00:00',
    authors: [{ name: 'A Reporter', url: 'https://www.presstv.com/Authors/a-reporter' }],
    images: [{ url: 'https://www.presstv.com/Photo/lead.jpg', caption: 'Lead', type: 'image/jpeg' }],
    body: '<p>See <a href="https://www.presstv.com/Detail/2016/07/01/2/earlier">earlier</a>, <a href="https://WWW.PRESSTV.IR/Detail/x">the mirror</a>'
      + ' and <a href="https://example.org/elsewhere">elsewhere</a>.</p><p><img src="https://www.presstv.com/Photo/body.jpg" alt=""></p>',
  };
  const docs = ['/rss.xml', '/atom.xml', '/feed.json', '/tags/absolute/rss.xml', '/tags/absolute/atom.xml', '/tags/absolute/feed.json'];
  const served = new Map<string, string>();

  before(async function () {
    dir = makeDataDir({ site: threeOriginSite(), articles: { 'absolute-urls.json': article } });
    svc = await startService(dir);
    for (const origin of ORIGINS) {
      for (const path of docs) {
        const r = await get(svc.port, path, { Host: hostOf(origin) });
        expect(r.status, path).to.equal(200);
        served.set(`${origin} ${path}`, r.text);
      }
    }
  });

  after(async function () {
    await svc?.close();
    if (dir) removeDir(dir);
  });

  /** The site URLs in a document (outside the notice) that are not on the serving origin and match `filter`. */
  async function wrongUrls(origin: string, path: string, filter: (url: string) => boolean): Promise<string[]> {
    const { urls } = analyse(await documentStrings(path, served.get(`${origin} ${path}`) as string));
    return urls.filter((u) => siteOriginNamed(u) !== undefined && originOf(u) !== origin && filter(u));
  }

  for (const origin of ORIGINS) {
    it(`${NAMES[origin]}: an image URL absolute on the primary (figure, enclosure, media:content, JSON image) is on ${origin}`, async function () {
      for (const path of docs) expect(await wrongUrls(origin, path, (u) => u.includes('/Photo/lead.jpg')), path).to.deep.equal([]);
    });

    it(`${NAMES[origin]}: body links and images absolute on a configured origin are on ${origin}`, async function () {
      for (const path of docs) expect(await wrongUrls(origin, path, (u) => /\/Detail\/(2016|x)|\/Photo\/body\.jpg/.test(u)), path).to.deep.equal([]);
    });

    it(`${NAMES[origin]}: bylines (site author, article author) whose URL is on a configured origin are on ${origin}`, async function () {
      for (const path of docs) {
        expect(await wrongUrls(origin, path, (u) => new URL(u).pathname === '/' || u.includes('/Authors/')), path).to.deep.equal([]);
      }
    });

    it(`${NAMES[origin]}: a foreign absolute URL is left as written`, function () {
      for (const path of docs) expect(served.get(`${origin} ${path}`), path).to.include('https://example.org/elsewhere');
    });
  }
});
