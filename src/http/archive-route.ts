// The archive route: answers `{feed}/archive/{yyyy}/{mm}/{rss.xml|atom.xml|feed.json}` (RFC 5005
// §4 archived feeds, design §2) from the archive source, with the fast path's precomputed
// headers and conditional GET (RFC 9110 §13: If-None-Match wins over If-Modified-Since; a 304
// carries the validators of the representation the client holds, RFC 9111 §4.3.4). A month not
// yet rendered waits for the render pool; nothing is rendered or compressed on this thread.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseArchivePath } from '../core/archive-months.js';
import type { ResponseObserver } from './served-response.js';
import { canonicalPath } from './document-path.js';
import type { SiteConfig } from '../core/site.js';
import type { ArchiveLookup, ArchiveSource } from '../publish/archive-source.js';
import type { Coding, CompiledDocument, HeaderFields } from '../publish/published-set.js';
import { codingSent, createOriginResolver, negotiateCoding, notModifiedHeaders } from './negotiate.js';

/** Answers a request when its path is an archive document's; false (nothing written) otherwise. */
export type ArchiveRoute = (req: IncomingMessage, res: ServerResponse, url: string, authority: string | undefined) => boolean;

const PROBLEM = { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };

/** An RFC 9457 problem response (no body on HEAD). */
function problem(res: ServerResponse, method: string | undefined, status: number, title: string, detail: string, extra: HeaderFields = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { ...PROBLEM, ...extra });
  res.end(method === 'HEAD' ? undefined : JSON.stringify({ type: 'about:blank', title, status, detail }));
}

/**
 * Creates the archive route over an archive source. Origin resolution follows the fast path
 * (Host, or X-Forwarded-Host when `site.behindProxy`); a month with no items, or a feed that
 * does not exist, is a 404 problem; a failed render is a 503 with Retry-After. Faults (an
 * unreadable body, a failed render, an observer that threw) are one line each to `logError`
 * (the service log; never the console).
 */
export function createArchiveRoute(site: SiteConfig, source: ArchiveSource, observe: ResponseObserver | undefined, logError: (line: string) => void): ArchiveRoute {
  const resolve = createOriginResolver(site.origins);

  /** Writes the answer for a found document: 304, HEAD, or the body from the archive bodies. */
  const serve = (req: IncomingMessage, res: ServerResponse, doc: CompiledDocument, scopeKey: string, month: string, path: string, originIndex: number) => {
    const h = req.headers;
    const asked: Coding = negotiateCoding(h['accept-encoding']);
    const variant = doc[asked];
    const coding = codingSent(doc, asked);
    /** Tells the observer (counting, metrics, the access log) of an answer, as the fast path does. */
    const told = (status: number, bytes: number) => {
      if (observe === undefined) return;
      try {
        // Named as published, however the request spelt its folders (`/sections/n%65ws/…`).
        const served = canonicalPath(path) ?? path;
        observe(req, { status, path: served, ...(served === path ? {} : { asked: path }), originIndex, coding, bytes });
      } catch (err) {
        logError(`observing ${path}: ${(err as Error).message}`);
      }
    };
    const held = notModifiedHeaders(doc, variant, h['if-none-match'], h['if-modified-since']);
    if (held !== undefined) {
      res.writeHead(304, held);
      res.end();
      told(304, 0);
      return;
    }
    source.bodies.load(variant.file, variant.size).then(
      (bytes) => {
        res.writeHead(200, variant.headers200);
        res.end(req.method === 'HEAD' ? undefined : bytes);
        told(200, req.method === 'HEAD' ? 0 : bytes.length);
      },
      (err: unknown) => {
        logError(`serving ${req.url ?? ''}: ${(err as Error).message}`);
        // Rendered again on the next request (its files were deleted or damaged).
        source.unreadable(scopeKey, month);
        problem(res, req.method, 503, 'Service Unavailable', 'This archive cannot be read right now; retry in a few seconds.', { 'Retry-After': '5' });
      },
    );
  };

  const respond = (req: IncomingMessage, res: ServerResponse, found: ArchiveLookup, path: string, scopeKey: string, month: string, originIndex: number) => {
    if (found.kind === 'document') serve(req, res, found.doc, scopeKey, month, path, originIndex);
    else if (found.kind === 'missing') problem(res, req.method, 404, 'Not Found', `${path.length > 200 ? 'This archive' : path} has no items: the feed does not exist, or nothing was published in that month.`);
    else {
      logError(`rendering the archive ${path}: ${found.error}`);
      problem(res, req.method, 503, 'Service Unavailable', 'This archive could not be rendered; retry in a few seconds.', { 'Retry-After': '5' });
    }
  };

  return (req, res, url, authority) => {
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (!path.includes('/archive/')) return false;
    const parsed = parseArchivePath(path);
    if (parsed === undefined) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end('Method Not Allowed: feeds answer GET and HEAD\n');
      return true;
    }
    let host = authority ?? req.headers.host;
    const forwarded = req.headers['x-forwarded-host'];
    if (site.behindProxy && typeof forwarded === 'string' && forwarded !== '') host = forwarded.split(',')[0]?.trim();
    const index = Math.max(0, resolve(host));
    const found = source.lookup(parsed.scopeKey, parsed.month, parsed.format, index);
    if ('then' in found) void found.then((f) => respond(req, res, f, path, parsed.scopeKey, parsed.month, index));
    else respond(req, res, found, path, parsed.scopeKey, parsed.month, index);
    return true;
  };
}
