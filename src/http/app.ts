// The Express app: everything that is not a compiled document — health, static files from
// public/, and errors. Bodies never carry raw driver text.
import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import { ERROR_CODES } from '../core/errors.js';
import { PAGE_CSP } from '../publish/header-rules.js';
import type { ClusterStatus, PublishedSource } from '../publish/published-set.js';
import type { HubStatus } from '../websub/publisher.js';
import { apiTokensOf, bearerMatches, createApiRouter, type ApiOptions } from './api.js';
import { silentLogger, type Logger } from '../log.js';
import { observeApp } from './access-log.js';
import { createAuthThrottle } from './auth-throttle.js';
import { createBearerGuard } from './bearer-auth.js';
import type { Metrics } from './metrics.js';
import type { ResponseObserver } from './served-response.js';
import { createStatsRouter, type StatsPageOptions } from './stats-page.js';

/** Requests the fast path handed over while no set was published yet (see markArrivedBeforeFirstSet). */
const arrivedBeforeFirstSet = new WeakSet<object>();

/**
 * Marks a request the fast path found no published set for: if nothing else answers it, the app
 * answers 503 (starting), even when the first set is swapped in before it gets there.
 */
export function markArrivedBeforeFirstSet(req: object): void {
  arrivedBeforeFirstSet.add(req);
}

/** What the app needs. */
export interface AppOptions {
  /** The published set and the last compile's report. */
  compiler: PublishedSource;
  publicDir: string;
  startedAt: number;
  api: ApiOptions;
  /** In a cluster (several instances on one PostgreSQL store): this instance's role and database session. */
  cluster?: () => ClusterStatus;
  /** The built-in WebSub hub's `/websub` router (src/websub/hub-endpoint.ts), when it is on. */
  hub?: Router;
  /** The WebSub hubs pinged after each publish (issue 14): circuit, queue, last success and failure each. */
  webSub?: () => HubStatus[];
  /** Where request failures go (default: nowhere); the API logs through it too unless `api.logger` is given. */
  logger?: Logger;
  /** Served at /metrics to a bearer holding one of the API tokens, read-only ones too (none configured: 404). */
  metrics?: Metrics;
  /** Hears of every request the app answers (metrics, the access log), as the fast path's observer does. */
  observe?: ResponseObserver;
  /** The /stats page (readers counted, issue 12); absent: no /stats. */
  stats?: StatsPageOptions;
}

/** Creates the Express app. */
export function createApp(options: AppOptions): Express {
  const { compiler } = options;
  const logger = options.logger ?? silentLogger();
  // One count of failed authentications per address for the API and /metrics.
  const throttle = options.api.throttle ?? createAuthThrottle();
  const api: ApiOptions = { logger, ...(options.metrics === undefined ? {} : { metrics: options.metrics }), ...options.api, throttle };
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  if (options.observe !== undefined) app.use(observeApp(options.observe));

  app.use('/api/articles', createApiRouter(api));
  if (options.hub !== undefined) app.use('/websub', options.hub);

  // Prometheus scrapes /metrics with one of the API tokens (README, "Metrics and logs"): the
  // counts name feeds' formats and clients, not for everyone; no token configured, no metrics.
  const metricsTokens = apiTokensOf(options.api.token);
  const metricsGuard = createBearerGuard({ tokens: metricsTokens, throttle, logger, metrics: options.metrics, behindProxy: options.api.behindProxy ?? false });
  app.get('/metrics', async (req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store');
    if (options.metrics === undefined || metricsTokens.count() === 0) {
      res.status(404).type('text/plain').send('Not Found: /metrics needs an API token (FEEDWRIGHT_API_TOKEN or FEEDWRIGHT_API_TOKEN_FILE).\n');
      return;
    }
    // Reading the counts: any token, a read-only one (`prometheus:…:read`) included.
    const auth = metricsGuard.check(req, 'metrics', 'read');
    if ('status' in auth) {
      if (auth.status === 429) res.status(429).set('Retry-After', String(auth.retryAfter)).type('text/plain').send(`Too Many Requests: retry after ${auth.retryAfter} s.\n`);
      else if (auth.status === 403) res.status(403).type('text/plain').send('Forbidden.\n');
      else res.status(401).set('WWW-Authenticate', auth.challenge).type('text/plain').send('Unauthorized: send Authorization: Bearer <an API token>.\n');
      return;
    }
    const { contentType, text } = await options.metrics.expose();
    res.status(200).type(contentType).send(text);
  });

  // design §2: the status for anyone (a load balancer's probe), the details only with the API
  // token — they name files, feeds and document paths. No token configured: no details.
  app.get('/healthz', (req: Request, res: Response) => {
    const set = compiler.current();
    const report = compiler.lastReport();
    const damaged = compiler.damaged();
    const ready = set !== undefined;
    const cluster = options.cluster?.();
    const failedCompile = report !== undefined && !report.ok;
    // Without its database an instance still serves its last set, but cannot take writes.
    const unreachable = cluster?.database === 'unreachable';
    // Article files skipped by the last compile (broken JSON, bad fields): their articles are not
    // published, which a monitor must hear of, though every reader still gets every feed.
    const skippedFiles = report !== undefined && report.problems.length > 0;
    const status = !ready ? 'starting' : failedCompile || skippedFiles || damaged.length > 0 || unreachable ? 'degraded' : 'ok';
    res.status(ready ? 200 : 503).set('Cache-Control', 'no-store');
    // RFC 9110 §10.2.3: while starting, when to ask again (as the feeds say).
    if (!ready) res.set('Retry-After', '5');
    if (!bearerMatches(req.get('authorization'), options.api.token)) {
      res.json({ status });
      return;
    }
    const body = {
      status,
      ready,
      // Why the status is degraded, by code and meaning (the details follow below).
      degradedBecause: status !== 'degraded' ? undefined : [
        ...(failedCompile ? [{ code: report.errorCode ?? (report.error === undefined ? 'RENDER_FAILED' : 'COMPILE_FAILED'), reason: report.error === undefined ? 'a feed failed in the last compile (lastCompile.feedFailures)' : 'the last compile failed (lastCompile.error)' }] : []),
        ...(skippedFiles ? [{ code: 'ARTICLE_SKIPPED', reason: `${report.problems.length} article file(s) skipped by the last compile (lastCompile.skippedFiles)` }] : []),
        ...(damaged.length > 0 ? [{ code: 'BODY_UNREADABLE', reason: `${ERROR_CODES.BODY_UNREADABLE} (damaged: ${damaged.length} documents)` }] : []),
        ...(unreachable ? [{ code: 'STORE_UNAVAILABLE', reason: ERROR_CODES.STORE_UNAVAILABLE }] : []),
      ],
      cluster,
      // Each hub's last success and failure (a hub that fails does not make the site degraded:
      // readers still get every feed; hubs also poll).
      webSub: options.webSub && { hubs: options.webSub() },
      uptimeSeconds: Math.round((Date.now() - options.startedAt) / 1000),
      published: set && {
        generation: set.generation,
        at: new Date(set.publishedAt).toISOString(),
        articles: set.articles,
        feeds: set.feeds.length,
        documents: [...set.documents.values()].reduce((n, docs) => n + docs.length, 0),
        // Documents (one per origin) still served as gzip to br requests while their brotli
        // body is made in the background.
        brotliPending: compiler.brotliPending(),
      },
      // Documents answered 503 because a body file is missing, unreadable or the wrong size,
      // until their feed is rendered again (a compile the fault starts).
      damaged: damaged.map((d) => ({ path: d.path, origin: d.origin, file: d.file, reason: d.damage, since: new Date(d.since).toISOString() })),
      lastCompile: report && {
        at: new Date(report.startedAt).toISOString(),
        ok: report.ok,
        durationMs: report.durationMs,
        articlesChanged: report.articlesChanged,
        feedsChanged: report.feedsChanged.length,
        skippedFiles: report.problems.map((p) => ({ file: p.file, code: p.code, problems: p.problems.length > 0 ? p.problems : [{ field: '(file)', message: p.message }] })),
        failedFeeds: report.failedFeeds.map((f) => f.scope),
        // Why each failed, by code and meaning (a render's exception, a render worker that
        // stopped, a store read); the text stays in the server log.
        feedFailures: report.failedFeeds.length === 0 ? undefined : report.failedFeeds.map((f) => ({ scope: f.scope, code: f.code, reason: ERROR_CODES[f.code] })),
        // The reason by code and meaning; the driver's own text stays in the server log.
        error: report.error === undefined ? undefined : { code: report.errorCode ?? 'COMPILE_FAILED', reason: ERROR_CODES[report.errorCode ?? 'COMPILE_FAILED'], detail: 'the last good documents are still served; see the server log' },
      },
    };
    res.json(body);
  });

  // /stats shares the API's per-address throttle and log: a wrong token there is a guess too.
  if (options.stats !== undefined) app.use(createStatsRouter({ ...options.stats, throttle, logger, metrics: options.metrics }));

  app.use(
    express.static(options.publicDir, {
      index: false,
      dotfiles: 'ignore',
      maxAge: '1h',
      setHeaders: (res) => res.setHeader('Content-Security-Policy', PAGE_CSP),
    }),
  );

  app.use((req: Request, res: Response) => {
    // Starting when the fast path looked (a set swapped in while express.static looked for a
    // file does not make a feed that was not yet published a 404), or now.
    const starting = arrivedBeforeFirstSet.has(req) || compiler.current() === undefined;
    res
      .status(starting ? 503 : 404)
      .set('Cache-Control', 'no-store')
      .set(starting ? { 'Retry-After': '5' } : {})
      .type('text/plain')
      .send(starting ? 'The feeds are being compiled; try again in a few seconds.\n' : `Not Found: ${req.path.length > 200 ? 'this path' : req.path} is not a feed or page of this site.\n`);
  });

  // Express 5 error handler: log the detail, answer without it.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : 500;
    if (status >= 500) logger.error(`request failed: ${(err as Error).message}`);
    res.status(status).set('Cache-Control', 'no-store').type('text/plain').send(status >= 500 ? 'Internal Server Error\n' : 'Bad Request\n');
  });
  return app;
}
