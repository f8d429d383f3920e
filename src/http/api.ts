// The ingest API (/api/articles): create, replace, remove and read articles, guarded by a bearer
// token. Errors are RFC 9457 problem details naming every bad field; nothing partial is stored.
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { ARTICLE_ID, articleToJson } from '../core/article.js';
import { FeedwrightError, type FieldProblem } from '../core/errors.js';
import { decodeUtf8, describeEncodingError } from '../core/text-encoding.js';
import type { ArticleWriter } from '../publish/published-set.js';
import { describeRefusal, refusalFieldMessage, type ArticleStore, type WriteRefusal } from '../store/store.js';
import { silentLogger, type Logger } from '../log.js';
import { DEFAULT_TOKEN_NAME, createApiTokens, type ApiTokens } from './api-tokens.js';
import { createAuthThrottle, type AuthThrottle } from './auth-throttle.js';
import { bearerToken, createBearerGuard } from './bearer-auth.js';
import type { Metrics } from './metrics.js';

/** The largest request body the API reads (an article body may be up to 2,000,000 characters). */
/** An RFC 3339 date-time (§5.6): full date, `T`, full time with optional fraction, and `Z` or an offset. */
const RFC3339_DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

export const MAX_REQUEST_BYTES = 8 * 1024 * 1024;

/** What the API needs. */
export interface ApiOptions {
  /**
   * The bearer token, or the named tokens (api-tokens.ts; a write is logged with its name);
   * undefined or none turns the API off (404), never open. A bare string is named `default`.
   */
  token: string | ApiTokens | undefined;
  /** Where writes and failed authentications are logged (default: nowhere). */
  logger?: Logger;
  /** Counts writes by client, refused authentications and store errors. */
  metrics?: Pick<Metrics, 'apiWrite' | 'authFailure' | 'storeError'>;
  /** Failed authentications per address (shared with /metrics); default: the router's own. */
  throttle?: AuthThrottle;
  /** Trust X-Forwarded-For for the client address (site.json `behindProxy`). */
  behindProxy?: boolean;
  store: ArticleStore;
  writer: ArticleWriter;
  /**
   * Whether the database answers now (a cluster's PostgreSQL session): without it every API
   * request gets 503 at once rather than after a connection timeout. Default: always.
   */
  available?: () => boolean;
}

/** Seconds a client should wait before retrying a request the database could not take. */
export const RETRY_AFTER_SECONDS = 5;

/** RFC 9110 §15.6.4 and §10.2.3: the database is unreachable for now; retry after a few seconds. */
function unavailable(res: Response): void {
  res.set('Retry-After', String(RETRY_AFTER_SECONDS));
  problem(res, 503, 'Service Unavailable', 'The article store cannot be reached; nothing was stored. The feeds published so far are still served. Retry later.');
}

/** Sends an RFC 9457 problem (application/problem+json). */
function problem(res: Response, status: number, title: string, detail: string, extra: Record<string, unknown> = {}): void {
  res
    .status(status)
    .set('Cache-Control', 'no-store')
    .type('application/problem+json')
    .send(JSON.stringify({ type: 'about:blank', title, status, detail, ...extra }));
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Compares a presented token with the configured one in constant time (hashes equalise lengths). */
export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/** The tokens `token` stands for (ApiOptions.token): a bare string is the token named `default`; none for undefined or ''. */
export function apiTokensOf(token: string | ApiTokens | undefined): ApiTokens {
  if (typeof token === 'object') return token;
  return createApiTokens(token === undefined || token === '' ? [] : [{ name: DEFAULT_TOKEN_NAME, secret: token }]);
}

/**
 * True when an Authorization field value is `Bearer <token>` (RFC 6750 §2.1, scheme
 * case-insensitive) with the configured token (any of the named tokens); always false when no
 * token is configured.
 */
export function bearerMatches(authorization: string | undefined, token: string | ApiTokens | undefined): boolean {
  if (token === undefined || token === '') return false;
  const presented = bearerToken(authorization);
  if (presented === undefined) return false;
  return typeof token === 'string' ? tokenMatches(presented, token) : token.match(presented) !== undefined;
}

/** An error body-parser passes on from `verify` (its `type` and `status` are kept). */
class BodyEncodingError extends Error {
  constructor(readonly status: number, readonly type: string, message: string) {
    super(message);
  }
}

/**
 * body-parser's `verify` for the API: the body's bytes must be UTF-8 (RFC 8259 §8.1), checked
 * before they are decoded, so no bad byte becomes U+FFFD in a stored article. A declared charset
 * other than UTF-8 (body-parser itself refuses non-Unicode ones) throws a 415
 * `charset.unsupported`; UTF-16 bytes or a byte that breaks UTF-8 throw a 400
 * `encoding.invalid` whose message names the byte (offset, line and column).
 */
function verifyUtf8Body(_req: unknown, _res: unknown, body: Buffer, charset: string): void {
  if (charset !== 'utf-8' && charset !== 'utf8') throw new BodyEncodingError(415, 'charset.unsupported', `charset "${charset}"`);
  const decoded = decodeUtf8(body);
  if ('error' in decoded) throw new BodyEncodingError(400, 'encoding.invalid', describeEncodingError(decoded.error, 'send it as UTF-8', 'the body'));
}

/**
 * The raw article a `PUT /api/articles/{id}` body stands for: the body's fields, with `id` from
 * the URL when the body leaves it out (the one way the API body differs from an article file,
 * where `id` is required; docs/article-put.schema.json). A body that is not one JSON object, or
 * whose `id` differs from the URL's, is refused here; the article parser checks the rest.
 */
export function articleOfPut(urlId: string, body: unknown): { raw: Record<string, unknown> } | { detail: string; errors: FieldProblem[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { detail: 'The body must be one JSON object.', errors: [{ field: '(root)', message: 'must be a JSON object' }] };
  }
  const raw = { ...(body as Record<string, unknown>) };
  if (raw.id === undefined) raw.id = urlId;
  if (raw.id !== urlId) return { detail: 'The id in the body differs from the id in the URL.', errors: [{ field: 'id', message: `must equal the URL's id "${urlId}"` }] };
  return { raw };
}

/** Creates the router mounted at /api/articles. */
export function createApiRouter(options: ApiOptions): Router {
  const { store, writer } = options;
  const tokens = apiTokensOf(options.token);
  const logger = options.logger ?? silentLogger();
  const metrics = options.metrics;
  const guard = createBearerGuard({ tokens, throttle: options.throttle ?? createAuthThrottle(), logger, metrics, behindProxy: options.behindProxy ?? false });
  /** The client (token name) of a request that passed the guard. */
  const clientOf = (res: Response): string => res.locals.client as string;
  /** One record per write: who, what, which article (never the token). */
  const wrote = (res: Response, id: string, action: string) => {
    logger.info({ client: clientOf(res), id, action }, 'api write');
    metrics?.apiWrite(clientOf(res), action);
  };
  const router = express.Router();
  const json = express.json({ limit: MAX_REQUEST_BYTES, type: () => true, strict: false, verify: verifyUtf8Body });

  router.use((req: Request, res: Response, next: NextFunction) => {
    if (tokens.count() === 0) {
      problem(res, 404, 'Not Found', 'The ingest API is off: set FEEDWRIGHT_API_TOKEN to turn it on.');
      return;
    }
    // Reads (GET, HEAD) take any token; everything else changes state and needs a write token.
    const auth = guard.check(req, 'api', req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'write');
    if ('status' in auth) {
      if (auth.status === 403) {
        // RFC 9110 §15.5.4: understood and authenticated, but this token may not do it.
        problem(res, 403, 'Forbidden', `The token "${auth.client}" is read-only: it cannot write articles; nothing was stored. Use a write token (a token file line without a third field, or name:token:write).`);
        return;
      }
      if (auth.status === 429) {
        res.set('Retry-After', String(auth.retryAfter));
        problem(res, 429, 'Too Many Requests', `Too many failed authentications from this address; retry after ${auth.retryAfter} s.`);
        return;
      }
      // RFC 6750 §3: the challenge names the scheme.
      res.set('WWW-Authenticate', auth.challenge);
      problem(res, 401, 'Unauthorized', 'A valid bearer token is required.');
      return;
    }
    res.locals.client = auth.client;
    if (options.available !== undefined && !options.available()) {
      unavailable(res);
      return;
    }
    next();
  });

  const validId = (id: string, res: Response): boolean => {
    if (ARTICLE_ID.test(id)) return true;
    problem(res, 400, 'Invalid article', 'The id in the URL breaks the id rule.', { errors: [{ field: 'id', message: 'must match [A-Za-z0-9._~-]{1,200}' }] });
    return false;
  };

  router.put('/:id', (req: Request, res: Response, next: NextFunction) => {
    if (!req.is(['application/json', 'application/*+json'])) {
      problem(res, 415, 'Unsupported Media Type', 'Send the article as application/json.');
      return;
    }
    next();
  }, json, async (req: Request, res: Response) => {
    const id = req.params.id as string;
    if (!validId(id, res)) return;
    const put = articleOfPut(id, req.body);
    if ('errors' in put) {
      problem(res, 400, 'Invalid article', put.detail, { errors: put.errors });
      return;
    }
    const raw = put.raw;
    const existed = (await store.getArticle(id)) !== undefined;
    let changed: boolean;
    const refusals: WriteRefusal[] = [];
    try {
      changed = (await writer.put([raw], 'api', { onRefused: (r) => refusals.push(r) })).length > 0;
    } catch (err) {
      if (err instanceof FeedwrightError && err.code === 'ARTICLE_INVALID') {
        problem(res, 400, 'Invalid article', `${err.problems.length} field(s) break the article format; nothing was stored.`, { errors: err.problems satisfies FieldProblem[] });
        return;
      }
      if (err instanceof FeedwrightError && err.code === 'ITEM_ID_TAKEN') {
        // Lost a race with another process for the id (the store's unique index said no).
        problem(res, 409, 'Conflict', 'The id readers would know this article by belongs to another article; nothing was stored.', { errors: [{ field: raw.guid === undefined ? 'id' : 'guid', message: 'already belongs to another live article' }] });
        return;
      }
      throw err;
    }
    const refusal = refusals[0];
    if (refusal !== undefined) {
      // RFC 9110 §15.5.10: the request conflicts with the current state (another article owns
      // the id readers key items on); the owner stays published, nothing was stored.
      problem(res, 409, 'Conflict', `Article "${id}" is refused: ${describeRefusal(refusal)}; nothing was stored.`, {
        errors: [{ field: refusal.field, message: refusalFieldMessage(refusal) }] satisfies FieldProblem[],
        owner: { id: refusal.ownerId, source: refusal.ownerSource },
      });
      return;
    }
    const status = existed ? 'updated' : 'created';
    wrote(res, id, changed ? (existed ? 'update' : 'create') : 'unchanged');
    res.status(!existed && changed ? 201 : 200).set('Cache-Control', 'no-store');
    if (!existed && changed) res.location(`${req.baseUrl}/${encodeURIComponent(id)}`);
    res.json({ id, status: changed ? status : 'unchanged' });
  });

  router.delete('/:id', async (req: Request, res: Response) => {
    const id = req.params.id as string;
    if (!validId(id, res)) return;
    const changes = await writer.remove([id]);
    if (changes.length === 0) {
      problem(res, 404, 'Not Found', `No live article has the id "${id}".`);
      return;
    }
    wrote(res, id, 'delete');
    res.status(204).set('Cache-Control', 'no-store').end();
  });

  router.get('/:id', async (req: Request, res: Response) => {
    const id = req.params.id as string;
    if (!validId(id, res)) return;
    const stored = await store.getArticle(id);
    if (!stored) {
      problem(res, 404, 'Not Found', `No live article has the id "${id}".`);
      return;
    }
    res.set('Cache-Control', 'no-store').json({ article: articleToJson(stored.article), changedAt: new Date(stored.changedAt).toISOString(), source: stored.source });
  });

  // The change list pages by a cursor in commit order (ArticleStore.listChangesAfter): each
  // answer's `cursor` is where the next request goes on from (`?cursor=`), also on a short or
  // empty page, so a polling client keeps it; a full page also links the next one
  // (`Link: <…>; rel="next"`, RFC 8288 §3). `since` (a time) is only where a client starts: a time
  // cannot be a cursor, because a folder sync stamps every article with the compile's start and
  // commits them in batches over seconds (an API write may commit in between), so a client
  // paging by time missed or repeated changes. `next` (the last row's time) stays for clients
  // written before the cursor.
  router.get('/', async (req: Request, res: Response) => {
    const { since: sinceParam, cursor: cursorParam, limit: limitParam } = req.query;
    const errors: FieldProblem[] = [];
    // A repeated parameter (an array) is refused like any other bad value, never read as the default.
    const limitText = limitParam === undefined ? '100' : typeof limitParam === 'string' ? limitParam : '';
    const limit = /^\d{1,4}$/.test(limitText) ? Number(limitText) : Number.NaN;
    if (!(limit >= 1 && limit <= 1000)) errors.push({ field: 'limit', message: 'must be a whole number from 1 to 1000' });
    let since = 0;
    let cursor: number | undefined;
    if (cursorParam !== undefined) {
      cursor = typeof cursorParam === 'string' && /^\d{1,15}$/.test(cursorParam) ? Number(cursorParam) : Number.NaN;
      if (!Number.isSafeInteger(cursor)) errors.push({ field: 'cursor', message: 'must be the cursor of an earlier answer (a whole number)' });
      if (sinceParam !== undefined) errors.push({ field: 'since', message: 'give since (where to start) or cursor (where to go on), not both' });
    } else if (sinceParam !== undefined) {
      // Epoch ms, or an RFC 3339 date-time with its offset (§5.6): Date.parse alone also takes
      // "-5", "December 1" and times without an offset (read in the server's zone).
      since = typeof sinceParam !== 'string' ? Number.NaN : /^\d+$/.test(sinceParam) ? Number(sinceParam) : RFC3339_DATE_TIME.test(sinceParam) ? Date.parse(sinceParam) : Number.NaN;
      // Within JavaScript's dates (±8.64e15 ms): a larger number is no time (and overflows PostgreSQL's bigint).
      if (!(Number.isFinite(since) && Math.abs(since) <= 8.64e15)) errors.push({ field: 'since', message: 'must be an RFC 3339 date-time or epoch milliseconds' });
    }
    if (errors.length > 0) {
      problem(res, 400, 'Invalid query', 'The query has bad parameters.', { errors });
      return;
    }
    // Read before the listing: a change committed in between is then after it, never skipped.
    const max = await store.maxChangeSeq();
    if (cursor !== undefined && cursor > max) {
      // The list went back (the store was restored from a backup, or downgraded and upgraded
      // again): the numbers after `max` will be given again, to other changes. The client must
      // start over from a time rather than skip them.
      problem(res, 410, 'Gone', `The cursor ${cursor} is past the last change (${max}): the store was restored or rebuilt. Start again with ?since=<the time of your last full read>.`, { errors: [{ field: 'cursor', message: `is past the last change (${max}); start again from since` }] });
      return;
    }
    const rows = cursor === undefined ? await store.listChangedSince(since, limit) : await store.listChangesAfter(cursor, limit);
    const last = rows[rows.length - 1];
    // With no row to go on from: the given cursor, or (from a time) every change up to the max
    // read above, which are all before that time.
    const position = last?.changeSeq ?? cursor ?? max;
    const full = rows.length === limit;
    if (full) res.set('Link', `</api/articles?cursor=${position}&limit=${limit}>; rel="next"`);
    res.set('Cache-Control', 'no-store').json({
      changes: rows.map((r) => ({ id: r.id, changedAt: new Date(r.changedAt).toISOString(), deleted: r.deleted, ...(r.stored ? { article: articleToJson(r.stored.article) } : {}) })),
      cursor: String(position),
      next: full && last ? new Date(last.changedAt).toISOString() : null,
    });
  });

  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const e = err as { type?: string; status?: number };
    if (e.type === 'entity.too.large') return problem(res, 413, 'Content Too Large', `The body is larger than ${MAX_REQUEST_BYTES} bytes; nothing was stored.`);
    if (e.type === 'entity.parse.failed') return problem(res, 400, 'Invalid JSON', 'The body is not valid JSON; nothing was stored.', { errors: [{ field: '(root)', message: 'is not valid JSON' }] });
    if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return problem(res, 415, 'Unsupported Media Type', `Send UTF-8 JSON (RFC 8259 §8.1)${err instanceof BodyEncodingError ? `, not ${err.message}` : ''}; nothing was stored.`);
    if (e.type === 'encoding.invalid') {
      const message = (err as Error).message;
      return problem(res, 400, 'Invalid UTF-8', `The body is not UTF-8: ${message}; nothing was stored.`, { errors: [{ field: '(root)', message }] });
    }
    if (err instanceof FeedwrightError && err.code === 'STORE_UNAVAILABLE') {
      metrics?.storeError('api');
      logger.error({ code: err.code }, `api: ${err.message}`);
      return unavailable(res);
    }
    if (err instanceof FeedwrightError && err.code.startsWith('STORE_')) metrics?.storeError('api');
    logger.error({ code: err instanceof FeedwrightError ? err.code : undefined }, `api: ${(err as Error).message}`);
    return problem(res, 500, 'Internal Server Error', 'The request failed; see the server log.');
    void next;
  });
  return router;
}
