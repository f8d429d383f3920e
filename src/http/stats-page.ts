// The /stats page (issue 12): readers, polls and subscribers per feed and for the whole site,
// with charts over time, for the holder of the API token. The page is a static shell; its
// script (public/stats.js) fetches /stats.json and draws with uPlot, served from this origin
// under a versioned path (no CDN; the CSP allows only 'self'). Browsers log in with a form
// that sets a cookie derived from the token; scripts send `Authorization: Bearer`.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import express, { type Request, type Response, type Router } from 'express';
import { escapeHtmlText as escapeHtml } from '../core/html-escape.js';
import type { FeedReport } from '../stats/feed-report.js';
import type { StatsReport } from '../stats/report.js';
import { apiTokensOf } from './api.js';
import { createAuthThrottle, type AuthThrottle } from './auth-throttle.js';
import { createBearerGuard, requestAddress } from './bearer-auth.js';
import { silentLogger, type Logger } from '../log.js';
import type { Metrics } from './metrics.js';
import type { ApiTokens } from './api-tokens.js';
import { checkSameOrigin } from './same-origin.js';

/** What the page needs. */
export interface StatsPageOptions {
  /**
   * The API tokens that guard the page (any named token, as for the API; a bare string is the
   * token named `default`); none turns /stats off (404), never open. A SIGHUP reload applies.
   */
  token: string | ApiTokens | undefined;
  /** The site's title, for the page's heading. */
  title: string;
  /** Whether `X-Forwarded-Proto: https` means the reader came over TLS (site.json behindProxy). */
  behindProxy: boolean;
  /** The figures, fresh (the caller flushes the counts first); throws the store's errors. */
  report: () => Promise<StatsReport>;
  /**
   * One document's figures and series for `/stats.json?path=` (fresh, as `report`), from the
   * query's value as sent (decoded once from the query string); undefined for a path that is no
   * document and has nothing counted (404). Absent: `?path=` answers 404.
   */
  feed?: (path: string) => Promise<FeedReport | undefined>;
  /**
   * The per-address throttle the API and /metrics share (app.ts): a wrong bearer token or login
   * here counts against the address as there, and a held-back address gets 429 here too.
   */
  throttle?: AuthThrottle;
  /** Where failed authentication is logged (never the token). */
  logger?: Logger;
  metrics?: Pick<Metrics, 'authFailure'> | undefined;
  /** Epoch ms; default Date.now. */
  clock?: () => number;
}

/** The cookie a browser holds after logging in: an HMAC of the token, never the token itself. */
export const STATS_COOKIE = 'feedwright_stats';
/** How long the login lasts, seconds (12 hours). */
const COOKIE_SECONDS = 12 * 3600;

const require = createRequire(import.meta.url);
const UPLOT_VERSION = (require('uplot/package.json') as { version: string }).version;
/** Where uPlot is served: the version in the path, so it can be cached for a year (RFC 8246 immutable). */
export const UPLOT_BASE = `/stats/uplot/${UPLOT_VERSION}`;

/**
 * The CSP of the stats pages: the feed pages' (PAGE_CSP) plus `connect-src 'self'` for the
 * script's fetch of /stats.json and `form-action 'self'` for the login form. No inline script
 * or style, no other host.
 */
export const STATS_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * The cookie value for a named token issued at `issued` (whole epoch seconds):
 * `<name>.<issued>.<base64url HMAC-SHA256 of both>` keyed by the token's digest, so the login
 * ends after COOKIE_SECONDS on the server too, and rotating or revoking that token logs its
 * holders out; undefined for a name that holds no token.
 */
function sessionValue(tokens: ApiTokens, name: string, issued: number): string | undefined {
  const key = tokens.sessionKey(name);
  return key === undefined ? undefined : `${name}.${issued}.${createHmac('sha256', key).update(`feedwright stats session v2\0${name}\0${issued}`).digest('base64url')}`;
}

/** Whether a cookie value is a session of a current token issued less than COOKIE_SECONDS ago. */
function validSession(tokens: ApiTokens, cookie: string, nowSeconds: number): boolean {
  const m = /^(.+)\.(\d{1,12})\.[A-Za-z0-9_-]{43}$/.exec(cookie);
  if (m === null) return false;
  const issued = Number(m[2]);
  if (issued > nowSeconds + 60 || nowSeconds - issued >= COOKIE_SECONDS) return false;
  const expected = sessionValue(tokens, m[1] as string, issued);
  return expected !== undefined && sameSecret(cookie, expected);
}

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** The value of one cookie in a Cookie header (RFC 6265 §5.4), or undefined. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The HTML shell: head and body around `main`. */
function page(title: string, main: string, scripts: boolean): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/style.css">
${scripts ? `<link rel="stylesheet" href="${UPLOT_BASE}/uPlot.min.css">\n<script src="${UPLOT_BASE}/uPlot.iife.min.js" defer></script>\n<script src="/stats.js" defer></script>\n` : ''}<link rel="stylesheet" href="/stats.css">
</head>
<body>
<main>
${main}
</main>
</body>
</html>
`;
}

function loginPage(title: string, message: string): string {
  return page(`Readers of ${title}: log in`, `<h1>Readers of ${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p>
<form method="post" action="/stats/login" class="login">
<label for="token">API token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required>
<button type="submit">Show the figures</button>
</form>`, false);
}

function statsPage(title: string): string {
  const chart = (name: string, caption: string) => `<figure class="chart"><figcaption id="chart-${name}">${caption} <span class="subject" data-subject>(whole site)</span></figcaption><div data-chart="${name}" role="img" aria-labelledby="chart-${name}"></div></figure>`;
  const heads = (first: string) => `<th scope="col">${first}</th><th scope="col">Requests</th><th scope="col">200</th><th scope="col">304</th><th scope="col">304 share</th><th scope="col">Bytes</th><th scope="col">gzip</th><th scope="col">br</th><th scope="col">Subscribers</th>`;
  return page(`Readers of ${title}`, `<h1>Readers of ${escapeHtml(title)}</h1>
<p data-status role="status">Loading the figures…</p>
<section aria-labelledby="h-site">
<h2 id="h-site">Whole site, last 7 days</h2>
<dl class="totals" data-totals></dl>
</section>
<section aria-labelledby="h-charts">
<h2 id="h-charts" tabindex="-1">Over time (UTC): <span data-subject-heading>whole site</span></h2>
<div class="chart-pick">
<label for="chart-path">Charts for</label>
<select id="chart-path" name="path" data-chart-path><option value="">Whole site</option></select>
</div>
<p class="chart-summary" data-chart-summary></p>
<div class="charts">
${chart('requests', 'Polls per hour')}
${chart('share', '304 share per hour (%)')}
${chart('bytes', 'Bytes sent per hour')}
${chart('subscribers', 'Subscribers (rolling 7-day maximum) and individual readers per day')}
</div>
</section>
<section aria-labelledby="h-feeds">
<h2 id="h-feeds">Per feed, last 7 days</h2>
<p class="hint">Choose a document to see its charts above.</p>
<div class="scroll" tabindex="0" role="region" aria-label="Per-feed table (scrolls sideways)"><table class="figures" data-feeds>
<thead><tr>${heads('Document')}<th scope="col">Readers today</th></tr></thead>
<tbody></tbody>
<tfoot></tfoot>
</table></div>
</section>
<section aria-labelledby="h-origins">
<h2 id="h-origins">Per origin, last 7 days</h2>
<div class="scroll" tabindex="0" role="region" aria-label="Per-origin table (scrolls sideways)"><table class="figures" data-origins>
<thead><tr>${heads('Origin')}</tr></thead>
<tbody></tbody>
</table></div>
</section>
<section aria-labelledby="h-families">
<h2 id="h-families">Readers by User-Agent family</h2>
<table class="figures" data-families>
<thead><tr><th scope="col">Family</th><th scope="col">Requests (7 days)</th><th scope="col">Readers today</th></tr></thead>
<tbody></tbody>
</table>
</section>
<form method="post" action="/stats/logout"><button type="submit">Log out</button></form>`, true);
}

/**
 * The router for `/stats` (the page), `/stats.json` (the figures), `/stats/login` and
 * `/stats/logout` (the cookie), and uPlot under {@link UPLOT_BASE}. Without a token configured
 * everything but uPlot answers 404. A request without credentials gets 401 (the page: the login
 * form; the JSON: problem+json with `WWW-Authenticate: Bearer`); wrong credentials 403. The
 * token is never logged or echoed.
 */
export function createStatsRouter(options: StatsPageOptions): Router {
  const router = express.Router();
  // '' when none is configured: then every route but uPlot's is off (404).
  const tokens = apiTokensOf(options.token);
  const files = {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js')),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css')),
  };
  const asset = (body: Buffer, type: string) => (_req: Request, res: Response) => {
    res.set({ 'Content-Type': type, 'Cache-Control': 'public, max-age=31536000, immutable' }).send(body);
  };
  router.get(`${UPLOT_BASE}/uPlot.iife.min.js`, asset(files.js, 'text/javascript; charset=utf-8'));
  router.get(`${UPLOT_BASE}/uPlot.min.css`, asset(files.css, 'text/css; charset=utf-8'));

  const clock = options.clock ?? Date.now;
  const throttle = options.throttle ?? createAuthThrottle();
  const logger = options.logger ?? silentLogger();
  const guard = createBearerGuard({ tokens, throttle, logger, metrics: options.metrics, behindProxy: options.behindProxy, clock });
  /** 'ok', 'none' (no credentials sent), 'wrong', or a number: the address is held back that many seconds (429). */
  const access = (req: Request): 'ok' | 'none' | 'wrong' | number => {
    if (tokens.count() === 0) return 'wrong';
    if (req.get('authorization') !== undefined) {
      // Through the guard the API and /metrics use: logged, counted, throttled per address.
      const r = guard.check(req, 'stats');
      // Any token reads the figures (a read-only one too: need 'read').
      return !('status' in r) ? 'ok' : r.status === 429 ? r.retryAfter : 'wrong';
    }
    const cookie = cookieValue(req.get('cookie'), STATS_COOKIE);
    if (cookie === undefined) return 'none';
    return validSession(tokens, cookie, Math.floor(clock() / 1000)) ? 'ok' : 'wrong';
  };
  const tooMany = (res: Response, seconds: number) => {
    res.status(429).set({ 'Retry-After': String(seconds), 'Cache-Control': 'no-store' }).type('text/plain').send(`Too Many Requests: too many wrong tokens from this address; retry after ${seconds} s.\n`);
  };
  // Referrer-Policy same-origin, not no-referrer: under no-referrer a browser sends the login
  // form's POST with `Origin: null` (Fetch §3.1, "append a request Origin header"), which the
  // cross-site check must refuse; nothing leaves the page for another site either way.
  const html = (res: Response, status: number, body: string) => {
    res.status(status).set({ 'Content-Security-Policy': STATS_CSP, 'Cache-Control': 'no-store', 'Referrer-Policy': 'same-origin' }).type('html').send(body);
  };
  const secure = (req: Request) => (req.socket as { encrypted?: boolean }).encrypted === true || (options.behindProxy && req.get('x-forwarded-proto')?.split(',')[0]?.trim() === 'https');

  router.get('/stats', (req, res, next) => {
    if (tokens.count() === 0) return next();
    const a = access(req);
    if (typeof a === 'number') return tooMany(res, a);
    if (a !== 'ok') {
      // RFC 9110 §11.6.1: a 401 names a scheme; the form is how a browser gets in.
      res.set('WWW-Authenticate', 'Bearer realm="feedwright stats"');
      return html(res, a === 'none' ? 401 : 403, loginPage(options.title, a === 'none' ? 'These figures are for the site’s operators: enter the API token.' : 'That token is not the right one (or has changed): enter the API token.'));
    }
    html(res, 200, statsPage(options.title));
  });
  /**
   * Refuses (403, logged) a form POST that another site made the browser send (login CSRF: a
   * page elsewhere logging the reader in, or out; see same-origin.ts); true when it answered.
   */
  const crossSite = (req: Request, res: Response, what: string): boolean => {
    const check = checkSameOrigin(req, options.behindProxy);
    if (check.ok) return false;
    logger.warn({ address: requestAddress(req, options.behindProxy), ua: req.get('user-agent')?.slice(0, 200), what, reason: 'cross-site', detail: check.reason }, 'form refused: sent from another site');
    html(res, 403, loginPage(options.title, 'This form was sent from another site, so it was refused: open this site’s /stats page and log in there.'));
    return true;
  };
  router.post('/stats/login', (req, res, next) => {
    // 'route': past this route's other handlers, to the app's 404.
    if (tokens.count() === 0) return next('route');
    if (crossSite(req, res, 'stats login')) return;
    // The form's own type only (HTML §4.10.21.7's default enctype). A script presents the token
    // as `Authorization: Bearer` on /stats.json instead; a JSON (or any other) body is not read
    // as a missing token, which would count as a wrong guess: RFC 9110 §15.5.16, 415 with Accept.
    if (!req.is('application/x-www-form-urlencoded')) {
      res.status(415).set({ Accept: 'application/x-www-form-urlencoded', 'Cache-Control': 'no-store' }).type('text/plain')
        .send('Unsupported Media Type: /stats/login takes the login form (application/x-www-form-urlencoded, field "token"). Scripts send Authorization: Bearer <token> to /stats.json instead.\n');
      return;
    }
    next();
  }, express.urlencoded({ extended: false, limit: '4kb' }), (req, res) => {
    const presented = typeof (req.body as { token?: unknown } | undefined)?.token === 'string' ? (req.body as { token: string }).token : '';
    // The form is a way to present a token: the same per-address throttle and log as a bearer.
    const address = requestAddress(req, options.behindProxy);
    const now = clock();
    const wait = throttle.check(address, now);
    if (wait !== undefined) {
      options.metrics?.authFailure('throttled');
      logger.warn({ address, ua: req.get('user-agent')?.slice(0, 200), what: 'stats login', reason: 'throttled', retryAfter: wait }, 'authentication refused: too many failures from this address');
      return tooMany(res, wait);
    }
    const name = tokens.match(presented);
    const session = name === undefined ? undefined : sessionValue(tokens, name, Math.floor(now / 1000));
    if (session === undefined) {
      const failures = throttle.fail(address, now);
      options.metrics?.authFailure('invalid');
      logger.warn({ address, ua: req.get('user-agent')?.slice(0, 200), what: 'stats login', reason: 'invalid', failures }, 'authentication failed');
      return html(res, 403, loginPage(options.title, 'That token is not the right one: enter the API token.'));
    }
    throttle.succeed(address);
    res.cookie(STATS_COOKIE, session, { httpOnly: true, sameSite: 'strict', path: '/', maxAge: COOKIE_SECONDS * 1000, secure: secure(req) });
    // RFC 9110 §15.4.4: see the page with a GET (a reload does not post the token again).
    res.status(303).set('Cache-Control', 'no-store').location('/stats').send();
  });
  router.post('/stats/logout', (req, res, next) => {
    if (tokens.count() === 0) return next();
    if (crossSite(req, res, 'stats logout')) return;
    res.clearCookie(STATS_COOKIE, { httpOnly: true, sameSite: 'strict', path: '/', secure: secure(req) });
    res.status(303).set('Cache-Control', 'no-store').location('/stats').send();
  });
  router.get('/stats.json', (req, res, next) => {
    if (tokens.count() === 0) return next();
    const a = access(req);
    if (typeof a === 'number') return tooMany(res, a);
    if (a !== 'ok') {
      res.status(a === 'none' ? 401 : 403).set({ 'WWW-Authenticate': 'Bearer realm="feedwright stats"', 'Cache-Control': 'no-store' }).type('application/problem+json')
        .send(JSON.stringify({ type: 'about:blank', title: a === 'none' ? 'Unauthorized' : 'Forbidden', status: a === 'none' ? 401 : 403, detail: 'The figures need the API token (Authorization: Bearer, or the cookie /stats sets).' }));
      return;
    }
    const problem = (status: number, title: string, detail: string) => {
      res.status(status).set('Cache-Control', 'no-store').type('application/problem+json').send(JSON.stringify({ type: 'about:blank', title, status, detail }));
    };
    const asked = req.query.path;
    if (asked === undefined) {
      options.report().then(
        (report) => res.set('Cache-Control', 'no-store').json(report),
        (err: unknown) => next(err),
      );
      return;
    }
    // One document's figures: `?path=` once, a string (`?path=a&path=b` or `?path[x]=` is malformed).
    if (typeof asked !== 'string') return problem(400, 'Bad Request', 'path must be given once, as a document path (e.g. ?path=/rss.xml, percent-encoded in the query).');
    const feed = options.feed;
    const unknown = () => problem(404, 'Not Found', 'No document at that path, and nothing counted for it in the last 7 days.');
    if (feed === undefined) return unknown();
    feed(asked).then(
      (report) => (report === undefined ? unknown() : res.set('Cache-Control', 'no-store').json(report)),
      (err: unknown) => next(err),
    );
  });
  return router;
}
