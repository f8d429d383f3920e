// One outbound request of the built-in hub (issue 14) to a subscriber's callback: node:http(s),
// connected to the address the guard vetted, with a time cap and a response size cap, and no
// redirect followed (node:http never follows one; a 3xx is simply not a 2xx).
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { FeedwrightError } from '../core/errors.js';
import { pinnedLookup, type VettedCallback } from './callback-guard.js';

/** What a callback answered: its status and the first `maxResponseBytes` of its body. */
export interface CallbackAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Limits of one request. */
export interface RequestLimits {
  /** The whole exchange, connect to last byte, in ms. */
  timeoutMs: number;
  /** Bytes of the response body read at most; a longer body fails the request. */
  maxResponseBytes: number;
}

/** The limits the hub uses unless told otherwise: 10 s, 64 KiB (a challenge echo is short). */
export const DEFAULT_LIMITS: RequestLimits = { timeoutMs: 10_000, maxResponseBytes: 64 * 1024 };

/**
 * Sends `method` to the vetted callback (`target.url` with `path` replacing its path and query
 * when given) and resolves with its answer, whatever the status. The socket connects to
 * `target.address` only; TLS still checks the certificate against the URL's host. Rejects with
 * a FeedwrightError `HUB_CALLBACK_FAILED` when the connection fails, the time cap passes, or the
 * body exceeds the size cap (the request is destroyed at once).
 */
export function callbackRequest(target: VettedCallback, method: 'GET' | 'POST', limits: RequestLimits, headers: OutgoingHttpHeaders = {}, body?: Buffer, url: URL = target.url): Promise<CallbackAnswer> {
  return new Promise((resolve, reject) => {
    const fail = (why: string, cause?: unknown) => reject(new FeedwrightError('HUB_CALLBACK_FAILED', `${method} ${url.origin}: ${why}`, cause === undefined ? {} : { cause }));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, {
      method,
      headers: { 'User-Agent': 'feedwright-hub (WebSub)', ...headers, ...(body === undefined ? {} : { 'Content-Length': body.length }) },
      lookup: pinnedLookup(target.address, target.family),
      agent: false,
    });
    const timer = setTimeout(() => {
      req.destroy();
      fail(`no complete answer within ${limits.timeoutMs} ms`);
    }, limits.timeoutMs);
    timer.unref();
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > limits.maxResponseBytes) {
          clearTimeout(timer);
          req.destroy();
          fail(`the answer is larger than ${limits.maxResponseBytes} bytes`);
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', (err) => {
        clearTimeout(timer);
        fail('the answer broke off', err);
      });
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      fail(err.message, err);
    });
    req.end(body);
  });
}
