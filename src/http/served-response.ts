// What the fast path tells an observer about each answer it gives for a compiled document: the
// shared input of request counting, /stats, /metrics and the access log (issue 12). Observers run
// on the serving thread after the response is written, so they must be O(1) and never throw.
import type { IncomingMessage } from 'node:http';
import type { Coding } from '../publish/published-set.js';

/** One answer of the fast path. */
export interface ServedResponse {
  /** The status code sent: 200, 304, 301 (a site.json redirect), 405, 429 or 503. */
  status: number;
  /**
   * The document's path as published, without the query, e.g. `/sections/news/rss.xml`, however
   * the request spelt it (`/sections/n%65ws/rss%2Exml`: see canonicalPath); a 301's: the path asked for.
   */
  path: string;
  /** The path as the request spelt it (no query), when that is another spelling of `path`; else absent. */
  asked?: string;
  /** Index into `site.origins` of the origin the request was answered for (0 when the host matched none). */
  originIndex: number;
  /** The representation chosen (RFC 9110 §8.4); undefined for answers without one (301, 405, 503). */
  coding: Coding | undefined;
  /** Body bytes sent (0 for 304, HEAD and answers without a body). */
  bytes: number;
}

/**
 * Hears of every fast-path answer. `req` gives the User-Agent, the address and the method; read
 * `x-forwarded-for` only when `site.behindProxy` is set.
 */
export type ResponseObserver = (req: IncomingMessage, served: ServedResponse) => void;

/**
 * One observer that calls each given observer in turn (undefined ones left out): the metrics
 * counter, the access log, reader statistics. Undefined when none is given, so the fast path
 * skips the call. Each observer's fault is caught and reported to `onError` (default: ignored)
 * and never stops the others.
 */
export function composeObservers(observers: readonly (ResponseObserver | undefined)[], onError?: (err: unknown) => void): ResponseObserver | undefined {
  const list = observers.filter((o): o is ResponseObserver => o !== undefined);
  if (list.length === 0) return undefined;
  if (list.length === 1 && onError === undefined) return list[0];
  return (req, served) => {
    for (const o of list) {
      try {
        o(req, served);
      } catch (err) {
        onError?.(err);
      }
    }
  };
}
