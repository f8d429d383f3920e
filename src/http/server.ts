// The HTTP server: a node:http request listener answers every compiled document itself (the fast
// path: no router, no rendering, no compression, only precomputed headers and bytes) and hands
// every other request to the Express app. Design §5 explains why the router is kept off it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { SiteConfig } from '../core/site.js';
import { matchRedirect } from '../core/redirects.js';
import { markArrivedBeforeFirstSet } from './app.js';
import { BodyUnreadableError, type BodyFault, type Coding, type CompiledDocument, type DocumentBodies, type PublishedSet } from '../publish/published-set.js';
import { codingSent, createOriginResolver, negotiateCoding, notModifiedHeaders } from './negotiate.js';
import { createPoliteness } from './politeness.js';
import type { ResponseObserver } from './served-response.js';
import type { ArchiveRoute } from './archive-route.js';
import { canonicalPath } from './document-path.js';

/** What the fast path needs. */
export interface FeedServerOptions {
  site: SiteConfig;
  /** The set being served, read on every request so a publish takes effect at once. */
  current: () => PublishedSet | undefined;
  app: Express;
  bodies: DocumentBodies;
  /** The schedule's period: the politeness window. */
  periodSeconds: number;
  /**
   * Hears of a body that could not be served (missing, unreadable, the wrong size) and of each
   * request to a document withheld for that reason: the compiler withholds the documents that
   * name the file and has their feeds rendered again (see PublishedSource.reportBodyFault).
   */
  onBodyFault?: (fault: BodyFault) => void;
  /** Hears of every answer the fast path gives (counting, metrics, the access log); see served-response.ts. */
  observe?: ResponseObserver;
  /** Where a body that could not be served or an observer's fault is logged: the service log (required, so nothing falls back to the console). */
  logError: (line: string) => void;
  /** Answers RFC 5005 archive paths that no published document answers (see archive-route.ts). */
  archives?: ArchiveRoute;
}

const NOT_ALLOWED = { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' };

/** Seconds a client is asked to wait (Retry-After) while a damaged document is rendered again. */
export const BODY_RETRY_SECONDS = 5;

const UNAVAILABLE_HEADERS = { 'Content-Type': 'application/problem+json', 'Retry-After': String(BODY_RETRY_SECONDS), 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
/** The RFC 9457 problem a document whose body cannot be served answers with (RFC 9110 §15.6.4). */
const UNAVAILABLE_BODY = JSON.stringify({
  type: 'about:blank',
  title: 'Service Unavailable',
  status: 503,
  detail: `This document cannot be read right now and is being rendered again; retry after ${BODY_RETRY_SECONDS} s.`,
});

/**
 * Answers 503 with Retry-After and a problem+json body (none on HEAD) for a document whose body
 * cannot be served, and no validators: a cache must not store or revalidate against it.
 */
function unavailable(res: ServerResponse, method: string | undefined): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(503, UNAVAILABLE_HEADERS);
  res.end(method === 'HEAD' ? undefined : UNAVAILABLE_BODY);
}

/**
 * Finds the document for a request target (`/path?query`, query ignored), spelt as published or
 * percent-encoded otherwise (see canonicalPath): its path as published (what metrics, the readers
 * counted and the access log name) and its documents by origin; undefined when it is not one.
 */
export function findDocument(set: PublishedSet, url: string): { path: string; docs: readonly CompiledDocument[] } | undefined {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const docs = set.documents.get(path);
  if (docs !== undefined) return { path, docs };
  if (!path.includes('%')) return undefined;
  const canonical = canonicalPath(path);
  const found = canonical === undefined ? undefined : set.documents.get(canonical);
  return found === undefined ? undefined : { path: canonical as string, docs: found };
}

/** The documents for a request target (see findDocument); undefined when it is not one. */
export function lookupDocument(set: PublishedSet, url: string): readonly CompiledDocument[] | undefined {
  return findDocument(set, url)?.docs;
}

/** Creates the request listener: the fast path for documents, the Express app for the rest. */
export function createRequestListener(options: FeedServerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { site, current, app, bodies } = options;
  const onBodyFault = options.onBodyFault ?? (() => {});
  const observe = options.observe;
  const logError = options.logError;
  /**
   * Tells the observer, if any, of an answer (after it is written; an observer's fault is logged,
   * never thrown). `served`: the path of the document answered for, as published, when there is
   * one; the path asked for (from `url`) is then passed as `asked` if it is spelt otherwise.
   */
  const told = (req: IncomingMessage, status: number, url: string, originIndex: number, coding: Coding | undefined, bytes: number, served?: string) => {
    if (observe === undefined) return;
    const q = url.indexOf('?');
    const asked = q === -1 ? url : url.slice(0, q);
    const path = served ?? asked;
    try {
      observe(req, { status, path, ...(path === asked ? {} : { asked }), originIndex, coding, bytes });
    } catch (err) {
      logError(`observing ${url}: ${(err as Error).message}`);
    }
  };
  /** A body read failed: 503 to this request, and the fault reported (only this module's errors are faults). */
  const failed = (req: IncomingMessage, res: ServerResponse, method: string | undefined, url: string, originIndex: number, err: unknown, served: string | undefined) => {
    if (err instanceof BodyUnreadableError) onBodyFault(err.fault);
    logError(`serving ${url}: ${(err as Error).message}`);
    unavailable(res, method);
    told(req, 503, url, originIndex, undefined, 0, served);
  };
  const resolve = createOriginResolver(site.origins);
  const trustProxy = site.behindProxy;
  const redirects = site.redirects;
  const politeness = site.unconditionalPerPeriod === undefined ? undefined : createPoliteness(site.unconditionalPerPeriod, options.periodSeconds * 1000);

  return function listener(req, res) {
    const set = current();
    let url = req.url ?? '/';
    let authority: string | undefined;
    if (url.charCodeAt(0) !== 47 /* '/' */) {
      // absolute-form (RFC 9112 §3.2.2): the target's authority replaces Host.
      const m = /^https?:\/\/([^/?#]*)([^#]*)/i.exec(url);
      if (m) {
        authority = m[1];
        url = m[2] || '/';
      }
    }
    const hit = set === undefined || url.charCodeAt(0) !== 47 ? undefined : findDocument(set, url);
    const docs = hit?.docs;
    // What was served is named by its published path, however the request spelt it.
    const served = hit?.path;
    // Old feed URLs (site.json redirects): only where no document answers, or with a query
    // (WordPress's /?feed=rss2 is the home page's path). Only to a document that exists, on the
    // serving origin, so a redirect never ends in a 404 and never leaves the site's origins.
    if (redirects !== undefined && set !== undefined && (docs === undefined || url.includes('?'))) {
      const to = matchRedirect(redirects, url);
      if (to !== undefined && lookupDocument(set, to) !== undefined) {
        const index = resolve(authority ?? (trustProxy && typeof req.headers['x-forwarded-host'] === 'string' ? req.headers['x-forwarded-host'].split(',')[0]?.trim() : req.headers.host));
        const origin = site.origins[index === -1 ? 0 : index] ?? site.origins[0];
        const location = `${origin?.href ?? ''}${to}`;
        // 301 (RFC 9110 §15.4.2): the feed moved for good; readers update their subscription.
        res.writeHead(301, { Location: location, 'Cache-Control': 'public, max-age=86400', 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
        res.end(req.method === 'HEAD' ? undefined : `Moved Permanently: ${location}\n`);
        told(req, 301, url, index === -1 ? 0 : index, undefined, 0);
        return;
      }
    }
    if (docs === undefined) {
      if (set !== undefined && options.archives?.(req, res, url, authority) === true) return;
      if (set === undefined) markArrivedBeforeFirstSet(req);
      app(req, res);
      return;
    }
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, NOT_ALLOWED);
      res.end('Method Not Allowed: feeds answer GET and HEAD\n');
      told(req, 405, url, 0, undefined, 0, served);
      return;
    }
    const h = req.headers;
    let host = authority ?? h.host;
    if (trustProxy) {
      const forwarded = h['x-forwarded-host'];
      if (typeof forwarded === 'string' && forwarded !== '') host = forwarded.split(',')[0]?.trim();
    }
    const found = resolve(host);
    const index = found === -1 ? 0 : found;
    const doc = docs[index] ?? (docs[0] as CompiledDocument);
    if (doc.withheld !== undefined) {
      // A body file of this document is damaged: nothing is answered from it, not even a 304,
      // until its feed is rendered again (each request also lets the repair be retried).
      onBodyFault(doc.withheld);
      unavailable(res, method);
      told(req, 503, url, index, undefined, 0, served);
      return;
    }
    const asked = negotiateCoding(h['accept-encoding']);
    const variant = doc[asked];
    const coding = codingSent(doc, asked);
    const inm = h['if-none-match'];
    const held = notModifiedHeaders(doc, variant, inm, h['if-modified-since']);
    if (held !== undefined) {
      res.writeHead(304, held);
      res.end();
      told(req, 304, url, index, coding, 0, served);
      return;
    }
    if (method === 'HEAD') {
      // HEAD answers as GET would (RFC 9110 §9.3.2): a body that cannot be sent is a 503 here too.
      if (bodies.cached(variant.file) !== undefined) {
        res.writeHead(200, variant.headers200);
        res.end();
        told(req, 200, url, index, coding, 0, served);
        return;
      }
      bodies.check(variant.file, variant.size).then(
        () => {
          res.writeHead(200, variant.headers200);
          res.end();
          told(req, 200, url, index, coding, 0, served);
        },
        (err: unknown) => failed(req, res, method, url, index, err, served),
      );
      return;
    }
    if (politeness !== undefined && inm === undefined && h['if-modified-since'] === undefined) {
      const forwarded = trustProxy ? h['x-forwarded-for'] : undefined;
      const address = typeof forwarded === 'string' && forwarded !== '' ? (forwarded.split(',')[0] as string).trim() : req.socket.remoteAddress;
      const wait = politeness.check(`${address}\0${h['user-agent'] ?? ''}\0${index}\0${url.split('?')[0]}`);
      if (wait !== undefined) {
        res.writeHead(429, { 'Retry-After': String(wait), 'Cache-Control': 'no-store', 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
        res.end(`Too Many Requests: this feed changes at most once every ${options.periodSeconds} s; send If-None-Match or If-Modified-Since, or retry after ${wait} s.\n`);
        told(req, 429, url, index, undefined, 0, served);
        return;
      }
    }
    const body = bodies.cached(variant.file);
    if (body !== undefined) {
      res.writeHead(200, variant.headers200);
      res.end(body);
      told(req, 200, url, index, coding, body.length, served);
      return;
    }
    // A cold document: read from disk once, then held in memory while the budget allows.
    bodies.load(variant.file, variant.size).then(
      (bytes) => {
        res.writeHead(200, variant.headers200);
        res.end(bytes);
        told(req, 200, url, index, coding, bytes.length, served);
      },
      (err: unknown) => failed(req, res, method, url, index, err, served),
    );
  };
}

/** Creates the HTTP server (not yet listening). */
export function createFeedServer(options: FeedServerOptions): Server {
  const server = createServer({ keepAliveTimeout: 65_000 }, createRequestListener(options));
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;
  return server;
}
