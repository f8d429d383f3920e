// The built-in hub's subscriber endpoint, `POST /websub` (W3C WebSub §5.1): checks a subscribe
// or unsubscribe request, answers 202 Accepted, then verifies intent with the callback (§5.3)
// and only then stores or removes the subscription. Mounted on the Express app when site.json
// says `"hub": "builtin"`.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { SiteConfig } from '../core/site.js';
import type { PublishedSet } from '../publish/published-set.js';
import type { HubSubscriptionStore } from '../store/store.js';
import { vetCallback } from './callback-guard.js';
import { DEFAULT_LIMITS, type RequestLimits } from './hub-request.js';
import { findTopic } from './hub-topics.js';
import { verifyIntent } from './hub-verify.js';

/** The leases the hub grants, in seconds: `hub.lease_seconds` is clamped to [min, max]; absent, the default. */
export interface LeaseBounds {
  defaultSeconds: number;
  minSeconds: number;
  maxSeconds: number;
}

/** 10 days by default, from 1 hour to 30 days (README, "The built-in WebSub hub"). */
export const DEFAULT_LEASE: LeaseBounds = { defaultSeconds: 10 * 86_400, minSeconds: 3_600, maxSeconds: 30 * 86_400 };

/** `hub.secret` must be shorter than this many bytes (§5.1). */
const SECRET_MAX_BYTES = 200;
/** A subscription request is a few parameters: a larger form is refused (413). */
const MAX_FORM_BYTES = 8 * 1024;

/** What the endpoint needs. */
export interface HubEndpointOptions {
  store: HubSubscriptionStore;
  site: Pick<SiteConfig, 'origins' | 'hubCallbackAllowPrivate'>;
  /** The published set served now: its feed documents are the topics. */
  current: () => PublishedSet | undefined;
  lease?: LeaseBounds;
  limits?: RequestLimits;
  clock?: () => number;
  log: (line: string) => void;
}

/** The endpoint: the router, and a way to wait for verifications in progress (tests, shutdown). */
export interface HubEndpoint {
  router: Router;
  /** Resolves when every verification started so far has ended. */
  whenIdle(): Promise<void>;
}

/** Sends an RFC 9457 problem (application/problem+json) naming the bad parameter. */
function problem(res: Response, status: number, title: string, detail: string, field?: string): void {
  res
    .status(status)
    .set('Cache-Control', 'no-store')
    .type('application/problem+json')
    .send(JSON.stringify({ type: 'about:blank', title, status, detail, ...(field === undefined ? {} : { errors: [{ field, message: detail }] }) }));
}

/** The lease granted for a requested `hub.lease_seconds` (absent: the default), clamped to the bounds. */
export function grantLease(requested: number | undefined, bounds: LeaseBounds): number {
  return Math.min(bounds.maxSeconds, Math.max(bounds.minSeconds, requested ?? bounds.defaultSeconds));
}

/**
 * Verifications in flight at once, for the whole hub and for one callback host: each is an
 * outbound request to an address a stranger chose (up to the request time cap), so an anonymous
 * client cannot make the hub open hundreds of connections to one victim. A request over either
 * bound is answered 429 with Retry-After (RFC 6585 §4) and nothing is verified.
 */
export const VERIFICATIONS_IN_FLIGHT = { total: 64, perHost: 4 } as const;
/** Seconds a client refused for too many verifications in flight is asked to wait. */
const VERIFY_RETRY_SECONDS = 30;

/**
 * Creates the `/websub` router (§5.1). A request is `application/x-www-form-urlencoded` with
 * `hub.mode` (subscribe | unsubscribe), `hub.topic` (a feed of the published set, by its URL on
 * one origin), `hub.callback` (absolute http(s); its host must pass the callback guard),
 * optionally `hub.lease_seconds` (a whole number, clamped to the lease bounds) and `hub.secret`
 * (< 200 bytes); an unsubscribe may also name a topic no longer published that holds
 * subscriptions. Answers 202 Accepted and verifies asynchronously; 400 problem+json for a bad
 * or foreign-topic request, 403 for a refused callback, 413/415 for a bad body, 405 for other
 * methods. A failed verification changes nothing (logged).
 */
export function createHubEndpoint(options: HubEndpointOptions): HubEndpoint {
  const { store, site, log } = options;
  const lease = options.lease ?? DEFAULT_LEASE;
  const limits = options.limits ?? DEFAULT_LIMITS;
  const clock = options.clock ?? Date.now;
  const pending = new Set<Promise<void>>();
  /** Verifications in flight by callback host (lower-cased). */
  const perHost = new Map<string, number>();
  const router = express.Router();

  router.post('/', express.urlencoded({ extended: false, limit: MAX_FORM_BYTES, parameterLimit: 20 }), async (req: Request, res: Response) => {
    if (!req.is('application/x-www-form-urlencoded')) return problem(res, 415, 'Unsupported Media Type', 'Send the request as application/x-www-form-urlencoded (W3C WebSub §5.1).');
    const form = (req.body ?? {}) as Record<string, unknown>;
    const param = (name: string): string | undefined => (typeof form[name] === 'string' ? (form[name] as string) : undefined);
    const mode = param('hub.mode');
    if (mode !== 'subscribe' && mode !== 'unsubscribe') return problem(res, 400, 'Bad Request', 'hub.mode must be "subscribe" or "unsubscribe".', 'hub.mode');
    const callback = param('hub.callback');
    if (callback === undefined || callback === '') return problem(res, 400, 'Bad Request', 'hub.callback is required: the absolute http(s) URL to verify and deliver to.', 'hub.callback');
    const topicParam = param('hub.topic');
    if (topicParam === undefined || topicParam === '') return problem(res, 400, 'Bad Request', 'hub.topic is required: the URL of one of this site\'s feeds.', 'hub.topic');
    // An unsubscribe may name a topic no longer published (a tag whose articles all went), as
    // long as it holds a subscription: a subscriber can always leave.
    const published = findTopic(options.current(), site.origins, topicParam);
    const held = published === undefined && mode === 'unsubscribe' && (await store.listSubscriptions(0, topicParam)).length > 0;
    const topic = published ?? (held ? { url: topicParam } : undefined);
    if (topic === undefined) return problem(res, 400, 'Bad Request', 'hub.topic is not a feed this hub publishes (the RSS, Atom or JSON feed URL of this site on one of its domains).', 'hub.topic');
    const secret = param('hub.secret');
    if (form['hub.secret'] !== undefined && (secret === undefined || Buffer.byteLength(secret) >= SECRET_MAX_BYTES)) return problem(res, 400, 'Bad Request', `hub.secret must be shorter than ${SECRET_MAX_BYTES} bytes.`, 'hub.secret');
    const leaseParam = param('hub.lease_seconds');
    if (form['hub.lease_seconds'] !== undefined && (leaseParam === undefined || !/^\d{1,10}$/.test(leaseParam))) return problem(res, 400, 'Bad Request', 'hub.lease_seconds must be a whole number of seconds.', 'hub.lease_seconds');
    // Checked before answering, so a callback the hub will never call is refused with 4xx now.
    try {
      await vetCallback(callback, site.hubCallbackAllowPrivate);
    } catch (err) {
      return problem(res, 403, 'Forbidden', (err as Error).message, 'hub.callback');
    }
    const leaseSeconds = grantLease(leaseParam === undefined ? undefined : Number(leaseParam), lease);
    const host = new URL(callback).hostname.toLowerCase();
    const inFlight = perHost.get(host) ?? 0;
    if (pending.size >= VERIFICATIONS_IN_FLIGHT.total || inFlight >= VERIFICATIONS_IN_FLIGHT.perHost) {
      res.set('Retry-After', String(VERIFY_RETRY_SECONDS));
      return problem(res, 429, 'Too Many Requests', `Too many verifications in flight${inFlight >= VERIFICATIONS_IN_FLIGHT.perHost ? ` to ${host}` : ''}; retry after ${VERIFY_RETRY_SECONDS} s.`, 'hub.callback');
    }
    perHost.set(host, inFlight + 1);
    res.status(202).set('Cache-Control', 'no-store').type('text/plain').send(`Accepted: the ${mode} request for ${topic.url} will be verified with a GET to the callback.\n`);

    const work = (async () => {
      try {
        await verifyIntent({ mode, topic: topic.url, callback, leaseSeconds }, site.hubCallbackAllowPrivate, limits);
      } catch (err) {
        log(`hub: ${mode} of ${callback} to ${topic.url} not verified: ${(err as Error).message}`);
        return;
      }
      const now = clock();
      if (mode === 'unsubscribe') await store.deleteSubscription(topic.url, callback);
      else {
        const created = (await store.listSubscriptions(0, topic.url)).find((s) => s.callback === callback)?.createdAt ?? now;
        await store.putSubscription({ topic: topic.url, callback, ...(secret === undefined ? {} : { secret }), leaseSeconds, expiresAt: now + leaseSeconds * 1000, createdAt: created, verifiedAt: now });
      }
      log(`hub: ${mode} of ${callback} to ${topic.url} verified${mode === 'subscribe' ? ` (lease ${leaseSeconds} s)` : ''}`);
    })().catch((err: unknown) => log(`hub: recording the ${mode} of ${callback} failed: ${(err as Error).message}`));
    pending.add(work);
    void work.finally(() => {
      pending.delete(work);
      const left = (perHost.get(host) ?? 1) - 1;
      if (left <= 0) perHost.delete(host);
      else perHost.set(host, left);
    });
  });

  router.all('/', (_req: Request, res: Response) => {
    res.set('Allow', 'POST');
    problem(res, 405, 'Method Not Allowed', 'The hub takes subscription requests by POST (W3C WebSub §5.1).');
  });

  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const e = err as { type?: string };
    if (e.type === 'entity.too.large') return problem(res, 413, 'Content Too Large', `The form is larger than ${MAX_FORM_BYTES} bytes.`);
    if (e.type === 'parameters.too.many') return problem(res, 413, 'Content Too Large', 'The form has too many parameters.');
    if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return problem(res, 415, 'Unsupported Media Type', 'Send a UTF-8 form.');
    log(`hub: ${(err as Error).message}`);
    problem(res, 500, 'Internal Server Error', 'The request failed; see the server log.');
    void next;
  });

  return {
    router,
    async whenIdle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
