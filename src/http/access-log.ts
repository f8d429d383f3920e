// The access log (FEEDWRIGHT_ACCESS_LOG, off by default): one record per request, from the fast
// path's observer for documents and from an Express middleware for everything else (pages of
// the app, the API, health, static files), so both kinds give the same fields.
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../log.js';
import type { ResponseObserver, ServedResponse } from './served-response.js';

/** How the access log is made. */
export interface AccessLogOptions {
  /** Where the records go (the service log, or a logger on the access log's own file). */
  logger: Logger;
  /** The served origins' hrefs, by index (ServedResponse.originIndex). */
  origins: readonly string[];
  /** Trust `X-Forwarded-For` for the client address (site.json `behindProxy`). */
  behindProxy: boolean;
}

/** The client address: X-Forwarded-For's first entry behind a trusted proxy, else the socket's. */
function clientAddress(req: IncomingMessage, behindProxy: boolean): string | undefined {
  const forwarded = behindProxy ? req.headers['x-forwarded-for'] : undefined;
  if (typeof forwarded === 'string' && forwarded !== '') return (forwarded.split(',')[0] as string).trim();
  return req.socket.remoteAddress;
}

/** At most this many characters of a header or target are logged (a hostile client sends megabytes). */
const MAX_FIELD = 300;

const clip = (value: string | undefined): string | undefined => (value === undefined || value.length <= MAX_FIELD ? value : `${value.slice(0, MAX_FIELD)}…`);

/**
 * An observer that writes one `info` record a request, msg `request`, with `method`, `path` (no
 * query: a query may carry what is not ours to keep; the document's path as published), `asked`
 * (the path as the request spelt it, when it was percent-encoded otherwise), `status`, `coding` (when a representation
 * was sent), `bytes` (body bytes), `origin`, `address`, `ua` and `referer`. Never throws.
 */
export function createAccessLog(options: AccessLogOptions): ResponseObserver {
  const { logger, origins, behindProxy } = options;
  return (req, served: ServedResponse) => {
    logger.info(
      {
        access: true,
        method: req.method,
        path: clip(served.path),
        ...(served.asked === undefined ? {} : { asked: clip(served.asked) }),
        status: served.status,
        ...(served.coding === undefined ? {} : { coding: served.coding }),
        bytes: served.bytes,
        origin: origins[served.originIndex],
        address: clientAddress(req, behindProxy),
        ua: clip(req.headers['user-agent']),
        referer: clip(req.headers.referer),
      },
      'request',
    );
  };
}

/**
 * An Express middleware that tells `observe` of every request the app answers, when its response
 * has finished (or the connection closed first: then with the status that was set): the path
 * without the query, the status, origin index 0, no coding (the app does not negotiate one) and
 * the Content-Length sent (0 when there is none).
 */
export function observeApp(observe: ResponseObserver): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let told = false;
    const tell = () => {
      if (told) return;
      told = true;
      const url = req.originalUrl;
      const q = url.indexOf('?');
      const length = Number(res.getHeader('content-length'));
      try {
        observe(req, { status: res.statusCode, path: q === -1 ? url : url.slice(0, q), originIndex: 0, coding: undefined, bytes: req.method === 'HEAD' || !Number.isFinite(length) ? 0 : length });
      } catch {
        // An observer's fault never reaches the request.
      }
    };
    res.once('finish', tell);
    res.once('close', tell);
    next();
  };
}
