// The feed fast path over a real listening server (design §5): media types, validators and
// caching headers, conditional GET per RFC 9110 §13, HEAD, content coding, errors, health and
// the HTML index. Requests go through node:http, never fetch (see test/support/fixtures.ts).
import { expect } from 'chai';
import type { OutgoingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { HEALTH_TOKEN, get, healthOf, makeDataDir, removeDir, startService, type TestResponse, type TestService } from '../support/fixtures.js';

const DAY = 86_400_000;
const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** One header as a single string (undefined when absent). */
function header(r: TestResponse, name: string): string | undefined {
  const v = r.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** A header that must be present. */
function must(r: TestResponse, name: string): string {
  const v = header(r, name);
  expect(v, `header ${name}`).to.be.a('string');
  return v as string;
}

/** Sends one request with arbitrary header values (arrays become repeated field lines). */
function send(port: number, path: string, headers: OutgoingHttpHeaders, method = 'GET'): Promise<TestResponse> {
  return get(port, path, headers, method);
}

/** Sends raw bytes on a socket and returns the status line and the rest (for request-target forms node:http cannot send). */
async function raw(port: number, text: string): Promise<{ status: number; response: string }> {
  const { connect } = await import('node:net');
  return new Promise((resolvePromise, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => {
      const response = Buffer.concat(chunks).toString('latin1');
      resolvePromise({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0), response });
    });
    socket.on('error', reject);
  });
}

function expectValidHttpDate(value: string): number {
  expect(value).to.match(IMF_FIXDATE);
  const ms = Date.parse(value);
  expect(Number.isNaN(ms), `${value} parses`).to.equal(false);
  expect(new Date(ms).toUTCString(), 'round-trips').to.equal(value);
  return ms;
}

/**
 * What every 304 must carry: no body and the validators and caching headers of the 200 (RFC 9110
 * §15.4.5); its ETag is `etag` when given (the tag the client holds, RFC 9111 §4.3.4).
 */
function expect304(r: TestResponse, of: TestResponse, etag?: string): void {
  expect(r.status).to.equal(304);
  expect(r.body.length).to.equal(0);
  expect(header(r, 'etag')).to.equal(etag ?? must(of, 'etag'));
  expect(header(r, 'last-modified')).to.equal(must(of, 'last-modified'));
  expect(header(r, 'cache-control')).to.equal(must(of, 'cache-control'));
  expect(header(r, 'vary')).to.equal(must(of, 'vary'));
}

function expectFull(r: TestResponse, of: TestResponse): void {
  expect(r.status).to.equal(200);
  expect(r.body.equals(of.body), 'the full body').to.equal(true);
  expect(header(r, 'etag')).to.equal(must(of, 'etag'));
}

describe('HTTP fast path: conditional GET, HEAD and content coding', function () {
  let svc: TestService;
  let dir: string;
  /** The identity 200 of /rss.xml, the reference for everything below. */
  let rss: TestResponse;
  let etag: string;
  let lastModified: string;
  let lastModifiedMs: number;

  before(async function () {
    dir = makeDataDir();
    svc = await startService(dir, { apiToken: HEALTH_TOKEN });
    rss = await get(svc.port, '/rss.xml');
    etag = must(rss, 'etag');
    lastModified = must(rss, 'last-modified');
    lastModifiedMs = Date.parse(lastModified);
  });

  after(async function () {
    await svc?.close();
    if (dir) removeDir(dir);
  });

  describe('200 for /rss.xml', () => {
    it('is an RSS document, served as application/xml with its CSS stylesheet for browsers', () => {
      expect(rss.status).to.equal(200);
      expect(header(rss, 'content-type')).to.equal('application/xml; charset=utf-8');
      expect(rss.text).to.match(/^<\?xml version="1\.0" encoding="utf-8"\?>\n<\?xml-stylesheet type="text\/css" href="\/feed\.css"\?>\n<rss version="2\.0"/);
      expect(header(rss, 'content-encoding')).to.equal(undefined);
    });

    it('carries a strong quoted ETag', () => {
      expect(etag).to.match(/^"[A-Za-z0-9_-]+"$/);
    });

    it('carries Last-Modified as a valid IMF-fixdate, not the compile time', () => {
      const ms = expectValidHttpDate(lastModified);
      // The sample's newest article is from 2016: Last-Modified is when the content changed.
      expect(ms).to.be.lessThan(Date.now() - 365 * DAY);
    });

    it('carries Cache-Control: public, max-age=<schedule period> and Vary: Accept-Encoding', () => {
      expect(header(rss, 'cache-control')).to.equal('public, max-age=60, stale-while-revalidate=60, stale-if-error=86400');
      expect(header(rss, 'vary')).to.equal('Accept-Encoding');
    });

    it('carries Content-Length equal to the body length and X-Content-Type-Options: nosniff', () => {
      expect(Number(must(rss, 'content-length'))).to.equal(rss.body.length);
      expect(rss.body.length).to.be.greaterThan(1000);
      expect(header(rss, 'transfer-encoding')).to.equal(undefined);
      expect(header(rss, 'x-content-type-options')).to.equal('nosniff');
    });

    it('gives the same ETag and bytes on a second GET', async () => {
      const again = await get(svc.port, '/rss.xml');
      expect(again.status).to.equal(200);
      expect(header(again, 'etag')).to.equal(etag);
      expect(header(again, 'last-modified')).to.equal(lastModified);
      expect(again.body.equals(rss.body)).to.equal(true);
    });

    it('ignores the query string', async () => {
      const q = await get(svc.port, '/rss.xml?utm=x');
      expect(q.status).to.equal(200);
      expect(header(q, 'etag')).to.equal(etag);
      expect(q.body.equals(rss.body)).to.equal(true);
      const q2 = await get(svc.port, '/rss.xml?', { 'If-None-Match': etag });
      expect304(q2, rss);
    });

    it('is the same (ETag, Last-Modified, bytes) on another instance over the same data', async () => {
      const dir2 = makeDataDir();
      const other = await startService(dir2);
      try {
        const r = await get(other.port, '/rss.xml');
        expect(header(r, 'etag')).to.equal(etag);
        expect(header(r, 'last-modified')).to.equal(lastModified);
        expect(r.body.equals(rss.body)).to.equal(true);
        expect304(await get(other.port, '/rss.xml', { 'If-None-Match': etag }), rss);
      } finally {
        await other.close();
        removeDir(dir2);
      }
    });
  });

  describe('conditional requests', () => {
    const hashOf = () => etag.slice(1, -1);
    /** Name, request headers, and the ETag the 304 carries when it is not the identity one (the tag the client holds). */
    const notModifiedCases: [string, () => Record<string, string>, (() => string)?][] = [
      ['If-None-Match: the exact tag', () => ({ 'If-None-Match': etag })],
      ['If-None-Match: a list with the tag in the middle', () => ({ 'If-None-Match': `"a", ${etag}, "b"` })],
      ['If-None-Match: a list without spaces', () => ({ 'If-None-Match': `"a",${etag},"b"` })],
      ['If-None-Match: the weak form W/<tag>', () => ({ 'If-None-Match': `W/${etag}` })],
      ['If-None-Match: *', () => ({ 'If-None-Match': '*' })],
      ['If-None-Match: the gzip variant\'s tag on an identity request', () => ({ 'If-None-Match': `"${hashOf()}-gz"` }), () => `"${hashOf()}-gz"`],
      ['If-None-Match: the br variant\'s tag on an identity request', () => ({ 'If-None-Match': `"${hashOf()}-br"` }), () => `"${hashOf()}-br"`],
      ['If-Modified-Since equal to Last-Modified', () => ({ 'If-Modified-Since': lastModified })],
      ['If-Modified-Since one day after Last-Modified', () => ({ 'If-Modified-Since': new Date(lastModifiedMs + DAY).toUTCString() })],
      ['a matching If-None-Match with an old If-Modified-Since (If-None-Match wins)', () => ({ 'If-None-Match': etag, 'If-Modified-Since': new Date(lastModifiedMs - DAY).toUTCString() })],
      ['a matching If-None-Match with a garbage If-Modified-Since', () => ({ 'If-None-Match': etag, 'If-Modified-Since': 'yesterday' })],
    ];
    const extras: [string, Record<string, string>][] = [
      ['', {}],
      [' + Cache-Control: no-cache', { 'Cache-Control': 'no-cache' }],
      [' + Pragma: no-cache', { Pragma: 'no-cache' }],
      [' + Cache-Control: no-cache, max-age=0 + Pragma: no-cache', { 'Cache-Control': 'no-cache, max-age=0', Pragma: 'no-cache' }],
    ];
    for (const [name, make, heldTag] of notModifiedCases) {
      for (const [extraName, extra] of extras) {
        it(`304 for ${name}${extraName}`, async () => {
          expect304(await get(svc.port, '/rss.xml', { ...make(), ...extra }), rss, heldTag?.());
        });
      }
      it(`304 for HEAD with ${name}`, async () => {
        expect304(await get(svc.port, '/rss.xml', make(), 'HEAD'), rss, heldTag?.());
      });
    }

    const fullCases: [string, () => Record<string, string>][] = [
      ['If-None-Match: "nope"', () => ({ 'If-None-Match': '"nope"' })],
      ['If-None-Match: a list of other tags', () => ({ 'If-None-Match': '"a", "b", W/"c"' })],
      ['If-None-Match: a prefix of the tag', () => ({ 'If-None-Match': `"${hashOf().slice(0, -1)}"` })],
      ['If-None-Match: the tag with a different suffix', () => ({ 'If-None-Match': `"${hashOf()}-zz"` })],
      ['If-Modified-Since one day before Last-Modified', () => ({ 'If-Modified-Since': new Date(lastModifiedMs - DAY).toUTCString() })],
      ['If-Modified-Since one second before Last-Modified', () => ({ 'If-Modified-Since': new Date(lastModifiedMs - 1000).toUTCString() })],
      ['If-Modified-Since: yesterday', () => ({ 'If-Modified-Since': 'yesterday' })],
      ['If-Modified-Since: (empty)', () => ({ 'If-Modified-Since': '' })],
      ['If-Modified-Since: Wed, 99 Foo 2016 99:99:99 GMT', () => ({ 'If-Modified-Since': 'Wed, 99 Foo 2016 99:99:99 GMT' })],
      ['a mismatched If-None-Match with If-Modified-Since equal to Last-Modified (If-None-Match wins)', () => ({ 'If-None-Match': '"nope"', 'If-Modified-Since': lastModified })],
      ['a mismatched If-None-Match with a future If-Modified-Since', () => ({ 'If-None-Match': '"nope"', 'If-Modified-Since': new Date(lastModifiedMs + DAY).toUTCString() })],
    ];
    for (const [name, make] of fullCases) {
      it(`200 with the full body for ${name}`, async () => {
        expectFull(await get(svc.port, '/rss.xml', make()), rss);
      });
    }

    it('304 when the matching tag arrives in a second If-None-Match field line', async () => {
      expect304(await send(svc.port, '/rss.xml', { 'If-None-Match': ['"a"', etag] }), rss);
    });
  });

  describe('HEAD', () => {
    it('has the status and headers of GET and no body', async () => {
      const head = await get(svc.port, '/rss.xml', {}, 'HEAD');
      expect(head.status).to.equal(200);
      expect(head.body.length).to.equal(0);
      for (const name of ['content-type', 'etag', 'last-modified', 'cache-control', 'vary', 'x-content-type-options']) {
        expect(header(head, name), name).to.equal(must(rss, name));
      }
      expect(Number(must(head, 'content-length'))).to.equal(rss.body.length);
    });

    it('announces the compressed length for a compressed HEAD', async () => {
      const gz = await get(svc.port, '/rss.xml', { 'Accept-Encoding': 'gzip' });
      const head = await get(svc.port, '/rss.xml', { 'Accept-Encoding': 'gzip' }, 'HEAD');
      expect(head.status).to.equal(200);
      expect(head.body.length).to.equal(0);
      expect(header(head, 'content-encoding')).to.equal('gzip');
      expect(header(head, 'etag')).to.equal(must(gz, 'etag'));
      expect(Number(must(head, 'content-length'))).to.equal(gz.body.length);
    });
  });

  describe('content coding', () => {
    const decoders = { gzip: gunzipSync, br: brotliDecompressSync } as const;

    const cases: [string, 'gzip' | 'br' | undefined][] = [
      ['gzip', 'gzip'],
      ['br', 'br'],
      ['gzip, br', 'br'],
      ['gzip, deflate, br, zstd', 'br'],
      ['br;q=0, gzip', 'gzip'],
      ['gzip;q=0', undefined],
      ['gzip;q=0, br;q=0', undefined],
      ['identity', undefined],
      ['deflate', undefined],
    ];
    for (const [accept, coding] of cases) {
      it(`Accept-Encoding: ${accept} → ${coding ?? 'identity'}`, async () => {
        const r = await get(svc.port, '/rss.xml', { 'Accept-Encoding': accept });
        expect(r.status).to.equal(200);
        expect(header(r, 'content-encoding')).to.equal(coding);
        expect(Number(must(r, 'content-length'))).to.equal(r.body.length);
        expect(header(r, 'vary')).to.equal('Accept-Encoding');
        expect(header(r, 'content-type')).to.equal('application/xml; charset=utf-8');
        const decoded = coding === undefined ? r.body : decoders[coding](r.body);
        expect(decoded.equals(rss.body), 'decodes to the identity bytes').to.equal(true);
        if (coding !== undefined) expect(r.body.length).to.be.lessThan(rss.body.length);
        else expect(header(r, 'etag')).to.equal(etag);
      });
    }

    it('Accept-Encoding: * → a coding that decodes to the identity bytes', async () => {
      const r = await get(svc.port, '/rss.xml', { 'Accept-Encoding': '*' });
      expect(r.status).to.equal(200);
      const coding = header(r, 'content-encoding');
      const decoded = coding === 'gzip' ? gunzipSync(r.body) : coding === 'br' ? brotliDecompressSync(r.body) : coding === undefined ? r.body : undefined;
      expect(decoded, `unexpected Content-Encoding ${String(coding)}`).to.not.equal(undefined);
      expect((decoded as Buffer).equals(rss.body)).to.equal(true);
    });

    it('gives each coding its own ETag, and every tag validates a request in every coding', async () => {
      const accepts = { identity: 'identity', gzip: 'gzip', br: 'br' } as const;
      const responses: Record<string, TestResponse> = {};
      for (const [name, accept] of Object.entries(accepts)) responses[name] = await get(svc.port, '/rss.xml', { 'Accept-Encoding': accept });
      const tags = Object.values(responses).map((r) => must(r, 'etag'));
      expect(new Set(tags).size, tags.join(' ')).to.equal(3);
      for (const [name, accept] of Object.entries(accepts)) {
        for (const [i, tag] of tags.entries()) {
          const r = await get(svc.port, '/rss.xml', { 'Accept-Encoding': accept, 'If-None-Match': tag });
          // The 304 carries the tag that matched, the one the client holds (RFC 9111 §4.3.4:
          // a cache picks the stored response to update by it), with that representation's headers.
          expect304(r, Object.values(responses)[i] as TestResponse);
        }
        expectFull(await get(svc.port, '/rss.xml', { 'Accept-Encoding': accept, 'If-None-Match': '"nope"' }), responses[name] as TestResponse);
      }
    });

    // RFC 9111 §4.3.4: a cache updates the stored response whose validator the 304 carries, so a
    // 304 must name the representation the client holds, not the one its Accept-Encoding now
    // selects (the gzip holder whose next request prefers br, once brotli bodies are made).
    const heldCases: [string, string, string, string][] = [
      ['gzip', 'br', 'gzip', 'gzip, deflate, br'],
      ['identity', 'gzip', 'identity', 'gzip'],
      ['identity', 'br', 'identity', 'br'],
      ['br', 'gzip', 'br', 'gzip'],
      ['br', 'identity', 'br', 'identity'],
    ];
    for (const [held, selected, heldAccept, nowAccept] of heldCases) {
      it(`304 to a client holding the ${held} representation whose Accept-Encoding now selects ${selected} carries the ${held} tag`, async () => {
        const stored = await get(svc.port, '/rss.xml', { 'Accept-Encoding': heldAccept });
        const tag = must(stored, 'etag');
        const now = await get(svc.port, '/rss.xml', { 'Accept-Encoding': nowAccept });
        expect(header(now, 'content-encoding') ?? 'identity', 'what a 200 would send now').to.equal(selected);
        expect(must(now, 'etag')).to.not.equal(tag);
        // Strong or weak (If-None-Match uses weak comparison, RFC 9110 §13.1.2), alone or in a list.
        for (const inm of [tag, `W/${tag}`, `"other", ${tag}`, `W/"other",W/${tag}`]) {
          for (const method of ['GET', 'HEAD']) {
            const r = await get(svc.port, '/rss.xml', { 'Accept-Encoding': nowAccept, 'If-None-Match': inm }, method);
            expect(r.status, `${inm} ${method}`).to.equal(304);
            expect(header(r, 'etag'), `${inm} ${method}: the tag the client holds`).to.equal(tag);
            expect(header(r, 'vary'), inm).to.equal('Accept-Encoding');
            expect(header(r, 'last-modified'), inm).to.equal(must(stored, 'last-modified'));
            expect(header(r, 'content-encoding'), `${inm}: no Content-Encoding on a 304`).to.equal(undefined);
          }
        }
      });
    }

    it('304 to a list naming both the held and the selected representation carries the selected one\'s tag', async () => {
      const gz = must(await get(svc.port, '/rss.xml', { 'Accept-Encoding': 'gzip' }), 'etag');
      const br = await get(svc.port, '/rss.xml', { 'Accept-Encoding': 'br' });
      const r = await get(svc.port, '/rss.xml', { 'Accept-Encoding': 'br', 'If-None-Match': `${gz}, ${must(br, 'etag')}` });
      expect304(r, br);
    });

    it('304 to If-None-Match: * or to If-Modified-Since alone carries the selected representation\'s tag', async () => {
      const br = await get(svc.port, '/rss.xml', { 'Accept-Encoding': 'br' });
      expect304(await get(svc.port, '/rss.xml', { 'Accept-Encoding': 'br', 'If-None-Match': '*' }), br);
      expect304(await get(svc.port, '/rss.xml', { 'Accept-Encoding': 'br', 'If-Modified-Since': lastModified }), br);
    });

    it('serves the same compressed bytes every time (compressed once per compile)', async () => {
      const a = await get(svc.port, '/rss.xml', { 'Accept-Encoding': 'br' });
      const b = await get(svc.port, '/rss.xml', { 'Accept-Encoding': 'br' });
      expect(a.body.equals(b.body)).to.equal(true);
      expect(header(a, 'etag')).to.equal(header(b, 'etag'));
    });
  });

  describe('other documents', () => {
    const docs: [string, string, RegExp][] = [
      ['/atom.xml', 'application/xml; charset=utf-8', /<feed xmlns="http:\/\/www\.w3\.org\/2005\/Atom"/],
      ['/feed.json', 'application/feed+json; charset=utf-8', /"version":\s*"https:\/\/jsonfeed\.org\/version\/1\.1"/],
      ['/feeds.opml', 'text/x-opml; charset=utf-8', /<opml version="2\.0"/],
      ['/sections/news/russia/feed.html', 'text/html; charset=utf-8', /<h1>Press TV: News \/ Russia<\/h1>/],
      ['/feed.html', 'text/html; charset=utf-8', /<h1>Press TV<\/h1>/],
      ['/sections/news/russia/rss.xml', 'application/xml; charset=utf-8', /<rss version="2\.0"/],
      ['/tags/syria/atom.xml', 'application/xml; charset=utf-8', /<feed xmlns="http:\/\/www\.w3\.org\/2005\/Atom"/],
    ];
    for (const [path, type, marker] of docs) {
      it(`${path}: ${type}, validators, 304 and gzip`, async () => {
        const r = await get(svc.port, path);
        expect(r.status).to.equal(200);
        expect(header(r, 'content-type')).to.equal(type);
        expect(r.text).to.match(marker);
        const tag = must(r, 'etag');
        expect(tag).to.match(/^"[A-Za-z0-9_-]+"$/);
        expect(tag).to.not.equal(etag);
        expectValidHttpDate(must(r, 'last-modified'));
        expect(header(r, 'cache-control')).to.equal('public, max-age=60, stale-while-revalidate=60, stale-if-error=86400');
        expect(header(r, 'vary')).to.equal('Accept-Encoding');
        expect(header(r, 'x-content-type-options')).to.equal('nosniff');
        expect(Number(must(r, 'content-length'))).to.equal(r.body.length);
        expect304(await get(svc.port, path, { 'If-None-Match': tag }), r);
        expect304(await get(svc.port, path, { 'If-None-Match': tag, 'Cache-Control': 'no-cache' }), r);
        expect304(await get(svc.port, path, { 'If-Modified-Since': must(r, 'last-modified') }), r);
        expectFull(await get(svc.port, path, { 'If-None-Match': etag }), r);
        const gz = await get(svc.port, path, { 'Accept-Encoding': 'gzip' });
        expect(header(gz, 'content-encoding')).to.equal('gzip');
        expect(gunzipSync(gz.body).equals(r.body)).to.equal(true);
      });
    }

    it('/feed.json is valid JSON', async () => {
      const r = await get(svc.port, '/feed.json');
      const feed = JSON.parse(r.text) as { version: string; items: unknown[] };
      expect(feed.version).to.equal('https://jsonfeed.org/version/1.1');
      expect(feed.items.length).to.be.greaterThan(0);
    });
  });

  describe('errors and headers on every response', () => {
    it('404 for an unknown feed path, not cacheable', async () => {
      const r = await get(svc.port, '/sections/nope/rss.xml');
      expect(r.status).to.equal(404);
      expect(header(r, 'cache-control')).to.equal('no-store');
      expect(header(r, 'etag')).to.equal(undefined);
    });

    it('404 for a feed path with a trailing slash or a different case', async () => {
      expect((await get(svc.port, '/rss.xml/')).status).to.equal(404);
      expect((await get(svc.port, '/RSS.XML')).status).to.equal(404);
    });

    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      it(`${method} /rss.xml → 405 with Allow: GET, HEAD`, async () => {
        const r = await get(svc.port, '/rss.xml', {}, method);
        expect(r.status).to.equal(405);
        expect(header(r, 'allow')).to.equal('GET, HEAD');
        expect(header(r, 'etag')).to.equal(undefined);
      });
    }

    it('never sends X-Powered-By', async () => {
      const requests: [string, Record<string, string>, string][] = [
        ['/rss.xml', {}, 'GET'],
        ['/rss.xml', { 'If-None-Match': etag }, 'GET'],
        ['/rss.xml', {}, 'HEAD'],
        ['/rss.xml', {}, 'POST'],
        ['/', {}, 'GET'],
        ['/healthz', {}, 'GET'],
        ['/style.css', {}, 'GET'],
        ['/nope', {}, 'GET'],
        ['/nope', {}, 'POST'],
      ];
      for (const [path, headers, method] of requests) {
        const r = await get(svc.port, path, headers, method);
        expect(r.status, `${method} ${path}`).to.be.greaterThan(0);
        expect(header(r, 'x-powered-by'), `${method} ${path}`).to.equal(undefined);
      }
    });

    it('sends X-Content-Type-Options: nosniff on feed responses and errors', async () => {
      for (const path of ['/rss.xml', '/atom.xml', '/feed.json', '/feeds.opml', '/', '/sections/nope/rss.xml']) {
        expect(header(await get(svc.port, path), 'x-content-type-options'), path).to.equal('nosniff');
      }
      expect(header(await get(svc.port, '/rss.xml', {}, 'POST'), 'x-content-type-options')).to.equal('nosniff');
    });

    it('answers an absolute-form request target (RFC 9112 §3.2.2: a server MUST accept it)', async () => {
      const r = await raw(svc.port, 'GET http://www.presstv.com/rss.xml HTTP/1.1\r\nHost: www.presstv.com\r\nConnection: close\r\n\r\n');
      expect(r.status).to.equal(200);
      expect(r.response).to.include(`ETag: ${etag}`);
    });
  });

  describe('/healthz after the first compile', () => {
    it('is 200 JSON with status "ok" only, not cacheable; the details with the token', async () => {
      const r = await get(svc.port, '/healthz');
      expect(r.status).to.equal(200);
      expect(header(r, 'content-type')).to.match(/^application\/json/);
      expect(header(r, 'cache-control')).to.equal('no-store');
      expect(JSON.parse(r.text)).to.deep.equal({ status: 'ok' });
      const body = (await healthOf(svc.port)) as { status: string; ready: boolean; published?: { articles: number; feeds: number } };
      expect(body.status).to.equal('ok');
      expect(body.ready).to.equal(true);
      expect(body.published?.articles).to.equal(10);
      expect(body.published?.feeds).to.be.greaterThan(3);
    });
  });

  describe('the HTML index /', () => {
    const alternates = (html: string) => [...html.matchAll(/<link rel="alternate" type="([^"]+)"[^>]*href="([^"]+)"/g)].map((m) => ({ type: m[1] as string, href: m[2] as string }));

    it('is text/html with autodiscovery links whose hrefs are feed paths, relative to the host it is viewed on', async () => {
      const r = await get(svc.port, '/');
      expect(r.status).to.equal(200);
      expect(header(r, 'content-type')).to.equal('text/html; charset=utf-8');
      const links = alternates(r.text);
      const rssLinks = links.filter((l) => l.type === 'application/rss+xml');
      expect(rssLinks.map((l) => l.href)).to.include.members(['/rss.xml', '/sections/news/russia/rss.xml']);
      expect(links.map((l) => l.type)).to.include.members(['application/rss+xml', 'application/atom+xml', 'application/feed+json']);
      for (const l of links) expect(l.href, l.href).to.match(/^\/[^/]\S*$/);
    });

    it('every autodiscovery link points at a document this server serves, in that format', async () => {
      const links = alternates((await get(svc.port, '/')).text);
      expect(links.length).to.be.greaterThan(6);
      // RSS and Atom are served as application/xml (browsers style them); the link names the format.
      const served: Record<string, string> = { 'application/rss+xml': 'application/xml', 'application/atom+xml': 'application/xml' };
      const roots: Record<string, RegExp> = { 'application/rss+xml': /<rss version="2\.0"/, 'application/atom+xml': /<feed xmlns="http:\/\/www\.w3\.org\/2005\/Atom"/, 'application/feed+json': /jsonfeed\.org\/version\/1\.1/, 'text/x-opml': /<opml/ };
      for (const l of links) {
        const r = await get(svc.port, l.href);
        expect(r.status, l.href).to.equal(200);
        expect(header(r, 'content-type'), l.href).to.equal(`${served[l.type] ?? l.type}; charset=utf-8`);
        expect(r.text, l.href).to.match(roots[l.type] as RegExp);
      }
    });

    it('links each feed to its preview page, which this server serves', async () => {
      const page = (await get(svc.port, '/')).text;
      const previews = [...page.matchAll(/<tr><td><a href="([^"]+)"[^>]*>/g)].map((m) => m[1] as string);
      expect(previews).to.include.members(['/feed.html', '/sections/news/russia/feed.html', '/tags/syria/feed.html']);
      for (const path of previews) {
        const r = await get(svc.port, path);
        expect(r.status, path).to.equal(200);
        expect(header(r, 'content-type'), path).to.equal('text/html; charset=utf-8');
      }
    });

    it('is the same page on every origin and for an unknown Host: no link names a host', async () => {
      const primary = await get(svc.port, '/');
      const mirror = await get(svc.port, '/', { Host: 'www.presstv.ir' });
      const unknown = await get(svc.port, '/', { Host: 'evil.example' });
      expect(mirror.text).to.equal(primary.text);
      expect(unknown.text).to.equal(primary.text);
      expect(primary.text).to.not.match(/(href|src)="(https?:)?\/\//);
    });
  });
});

describe('HTTP before the first compile', function () {
  let svc: TestService;
  let dir: string;

  before(async function () {
    dir = makeDataDir();
    svc = await startService(dir, { compile: false });
  });

  after(async function () {
    await svc?.close();
    if (dir) removeDir(dir);
  });

  it('/healthz is 503 with status "starting"', async () => {
    const r = await get(svc.port, '/healthz');
    expect(r.status).to.equal(503);
    expect(JSON.parse(r.text)).to.deep.equal({ status: 'starting' });
  });

  it('/rss.xml is 503, not cacheable, and carries no validators', async () => {
    const r = await get(svc.port, '/rss.xml');
    expect(r.status).to.equal(503);
    expect(header(r, 'cache-control')).to.equal('no-store');
    expect(header(r, 'etag')).to.equal(undefined);
    expect(header(r, 'last-modified')).to.equal(undefined);
    expect(header(r, 'x-powered-by')).to.equal(undefined);
  });

  it('serves the feed and reports ready once a compile has published', async () => {
    const report = await svc.service.compiler.compile();
    expect(report.published).to.equal(true);
    const r = await get(svc.port, '/rss.xml');
    expect(r.status).to.equal(200);
    expect(header(r, 'content-type')).to.equal('application/xml; charset=utf-8');
    const h = await get(svc.port, '/healthz');
    expect(h.status).to.equal(200);
    expect((JSON.parse(h.text) as { status: string }).status).to.equal('ok');
  });
});
