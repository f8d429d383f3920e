// Bearer authentication (RFC 6750 §2.1 over RFC 9110 §11) for the ingest API and /metrics:
// which named client a request comes from, failed attempts logged (address and User-Agent,
// never the presented token) and counted, and an address that keeps failing held back with 429
// (auth-throttle.ts).
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../log.js';
import type { ApiTokens, TokenScope } from './api-tokens.js';
import type { AuthThrottle } from './auth-throttle.js';
import type { Metrics } from './metrics.js';

/** What a guard needs. */
export interface BearerGuardOptions {
  /** The tokens accepted now (read at every request: a reload takes effect at once). */
  tokens: ApiTokens;
  throttle: AuthThrottle;
  logger: Logger;
  metrics?: Pick<Metrics, 'authFailure'> | undefined;
  /** Trust `X-Forwarded-For` for the client address (site.json `behindProxy`). */
  behindProxy: boolean;
  /** Epoch ms; default Date.now. */
  clock?: () => number;
}

/** The outcome: the client's token name, or how to refuse (the caller writes the response). */
export type BearerResult =
  | { client: string }
  /** 401 with `WWW-Authenticate: <challenge>` (RFC 6750 §3). */
  | { status: 401; challenge: string }
  /** 429 with `Retry-After: <retryAfter>` seconds (RFC 6585 §4). */
  | { status: 429; retryAfter: number }
  /**
   * 403 (RFC 9110 §15.5.4): the token is good but read-only and the request needs `write`. Not a
   * failed authentication: not counted by the throttle.
   */
  | { status: 403; client: string };

/** The token of an `Authorization: Bearer <token>` field value (scheme case-insensitive), else undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
}

/** The address a request comes from: X-Forwarded-For's first entry behind a trusted proxy, else the socket's. */
export function requestAddress(req: IncomingMessage, behindProxy: boolean): string {
  const forwarded = behindProxy ? req.headers['x-forwarded-for'] : undefined;
  if (typeof forwarded === 'string' && forwarded !== '') return (forwarded.split(',')[0] as string).trim();
  return req.socket.remoteAddress ?? 'unknown';
}

/**
 * Creates the guard: `check(req, what, need)` authenticates a request for `what` (`api`,
 * `metrics`, …) needing the scope `need` (default `read`: any token). An address held back gets
 * 429 without its token being looked at; a missing or wrong token gets 401 and a `warn` record
 * `authentication failed` with `address`, `ua`, `what`, `reason` (missing, invalid) and
 * `failures`; a wrong token counts towards holding the address back; a good token clears the
 * address's count. A good read-only token where `need` is `write` gets 403 and a `warn` record
 * `token is read-only` with `client` (its name, never the secret), `address`, `ua`, `what`,
 * `method`; it is not a failed authentication (not counted, not throttled).
 */
export function createBearerGuard(options: BearerGuardOptions): { check(req: IncomingMessage, what: string, need?: TokenScope): BearerResult } {
  const { tokens, throttle, logger, metrics, behindProxy } = options;
  const clock = options.clock ?? Date.now;
  return {
    check(req, what, need = 'read') {
      const address = requestAddress(req, behindProxy);
      const now = clock();
      const wait = throttle.check(address, now);
      const ua = req.headers['user-agent']?.slice(0, 200);
      if (wait !== undefined) {
        metrics?.authFailure('throttled');
        logger.warn({ address, ua, what, reason: 'throttled', retryAfter: wait }, 'authentication refused: too many failures from this address');
        return { status: 429, retryAfter: wait };
      }
      const presented = bearerToken(req.headers.authorization);
      const client = presented === undefined ? undefined : tokens.match(presented);
      if (client !== undefined) {
        throttle.succeed(address);
        if (need === 'write' && tokens.scope(client) !== 'write') {
          logger.warn({ client, address, ua, what, method: req.method }, 'token is read-only: write refused');
          return { status: 403, client };
        }
        return { client };
      }
      const reason = presented === undefined ? 'missing' : 'invalid';
      // Only a wrong token is a guess: a request without one (a misconfigured client) is
      // logged and refused, but does not hold the address back.
      const failures = reason === 'invalid' ? throttle.fail(address, now) : 0;
      metrics?.authFailure(reason);
      logger.warn({ address, ua, what, reason, failures }, 'authentication failed');
      return { status: 401, challenge: presented === undefined ? 'Bearer' : 'Bearer error="invalid_token"' };
    },
  };
}
