// The HTTP server: a node:http request listener answers every compiled document itself (the fast
// path: no router, no rendering, no compression, only precomputed headers and bytes) and hands
// every other request to the Express app. Design §5 explains why the router is kept off it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { SiteConfig } from '../core/site.js';
import { matchRedirect } from '../core/redirects.js';
import type { CompiledDocument, DocumentBodies, PublishedSet } from '../publish/published-set.js';
import { createOriginResolver, negotiateCoding, notModified } from './negotiate.js';
import { createPoliteness } from './politeness.js';

/** What the fast path needs. */
export interface FeedServerOptions {
  site: SiteConfig;
  /** The set being served, read on every request so a publish takes effect at once. */
  current: () => PublishedSet | undefined;
  app: Express;
  bodies: DocumentBodies;
  /** The schedule's period: the politeness window. */
  periodSeconds: number;
}

const NOT_ALLOWED = { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' };

/** Normalises a percent-encoded path to the canonical form the documents are keyed by. */
function canonicalPath(path: string): string | undefined {
  try {
    return path.split('/').map((seg) => encodeURIComponent(decodeURIComponent(seg))).join('/');
  } catch {
    return undefined;
  }
}

/** Finds the document for a request path (query ignored); undefined when it is not one. */
export function lookupDocument(set: PublishedSet, url: string): readonly CompiledDocument[] | undefined {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const docs = set.documents.get(path);
  if (docs !== undefined || !path.includes('%')) return docs;
  const canonical = canonicalPath(path);
  return canonical === undefined ? undefined : set.documents.get(canonical);
}

/** Creates the request listener: the fast path for documents, the Express app for the rest. */
export function createRequestListener(options: FeedServerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { site, current, app, bodies } = options;
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
    const docs = set === undefined || url.charCodeAt(0) !== 47 ? undefined : lookupDocument(set, url);
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
        return;
      }
    }
    if (docs === undefined) {
      app(req, res);
      return;
    }
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, NOT_ALLOWED);
      res.end('Method Not Allowed: feeds answer GET and HEAD\n');
      return;
    }
    const h = req.headers;
    let host = authority ?? h.host;
    if (trustProxy) {
      const forwarded = h['x-forwarded-host'];
      if (typeof forwarded === 'string' && forwarded !== '') host = forwarded.split(',')[0]?.trim();
    }
    const index = resolve(host);
    const doc = docs[index === -1 ? 0 : index] ?? (docs[0] as CompiledDocument);
    const variant = doc[negotiateCoding(h['accept-encoding'])];
    const inm = h['if-none-match'];
    // The common revalidation sends back exactly the tag it got: a set look-up, no parsing.
    if ((inm !== undefined && doc.exactTags.has(inm)) || notModified(inm, h['if-modified-since'], doc.etags, doc.lastModified)) {
      res.writeHead(304, variant.headers304);
      res.end();
      return;
    }
    if (method === 'HEAD') {
      res.writeHead(200, variant.headers200);
      res.end();
      return;
    }
    if (politeness !== undefined && inm === undefined && h['if-modified-since'] === undefined) {
      const forwarded = trustProxy ? h['x-forwarded-for'] : undefined;
      const address = typeof forwarded === 'string' && forwarded !== '' ? (forwarded.split(',')[0] as string).trim() : req.socket.remoteAddress;
      const wait = politeness.check(`${address}\0${h['user-agent'] ?? ''}\0${index}\0${url.split('?')[0]}`);
      if (wait !== undefined) {
        res.writeHead(429, { 'Retry-After': String(wait), 'Cache-Control': 'no-store', 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
        res.end(`Too Many Requests: this feed changes at most once every ${options.periodSeconds} s; send If-None-Match or If-Modified-Since, or retry after ${wait} s.\n`);
        return;
      }
    }
    const body = bodies.cached(variant.file);
    if (body !== undefined) {
      res.writeHead(200, variant.headers200);
      res.end(body);
      return;
    }
    // A cold document: read from disk once, then held in memory while the budget allows.
    bodies.load(variant.file).then(
      (bytes) => {
        res.writeHead(200, variant.headers200);
        res.end(bytes);
      },
      (err: unknown) => {
        console.error(`serving ${url}: ${(err as Error).message}`);
        res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '5', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
        res.end('Service Unavailable: this document cannot be read right now.\n');
      },
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
