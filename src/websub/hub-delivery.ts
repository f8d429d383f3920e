// Content distribution of the built-in hub (W3C WebSub §7): after each publish, the new identity
// body of every changed topic is POSTed to that topic's verified, unexpired subscribers — in the
// background (never on the serving path, never delaying a publish), a few at a time, retried
// with exponential backoff and jitter up to a cap of attempts. Expired leases are swept.
import { createHmac } from 'node:crypto';
import type { Origin } from '../core/site.js';
import type { DocumentBodies, PublishedSet } from '../publish/published-set.js';
import type { HubSubscription, HubSubscriptionStore } from '../store/store.js';
import { vetCallback } from './callback-guard.js';
import { callbackRequest, DEFAULT_LIMITS, type RequestLimits } from './hub-request.js';
import { changedTopics, hubUrl, type Topic } from './hub-topics.js';
import { count } from '../core/plural.js';

/** How deliveries are made; every field but the first five has a default. */
export interface HubDeliveryOptions {
  store: HubSubscriptionStore;
  /** Where the published bodies are read (the compiler's body store). */
  bodies: Pick<DocumentBodies, 'load'>;
  origins: readonly Origin[];
  /** site.json `hubCallbackAllowPrivate`. */
  allowPrivate: boolean;
  log: (line: string) => void;
  limits?: RequestLimits;
  /** Requests in flight at most (default 4). */
  concurrency?: number;
  /** Attempts per delivery, the first included (default 6). */
  maxAttempts?: number;
  /** The wait before the second attempt, ms (default 10 s); doubled each time, with jitter. */
  retryBaseMs?: number;
  /** The longest wait between attempts, ms (default 15 min). */
  retryMaxMs?: number;
  /** How often expired subscriptions are removed, ms (default 60 s). */
  sweepMs?: number;
  clock?: () => number;
}

/** The delivery side of the hub. */
export interface HubDelivery {
  /** Hears a publish (Compiler.onPublish): the first set heard is the baseline, later ones are compared with the one before. Never throws, never waits. */
  published(set: PublishedSet): void;
  /** Resolves when nothing is queued, in flight or waiting for a retry. */
  whenIdle(): Promise<void>;
  /** Stops the sweep and drops queued work and retries; resolves once requests in flight end. */
  close(): Promise<void>;
}

interface Job {
  topic: Topic;
  sub: HubSubscription;
  body: Buffer;
  attempt: number;
}

/**
 * The headers of one delivery (§7): the topic's Content-Type, `Link` to the hub (the topic's
 * origin's `/websub`) and to the topic (rel=self), and with a secret `X-Hub-Signature:
 * sha256=<hex HMAC-SHA256 of the body keyed with the secret>` (§7.1).
 */
export function deliveryHeaders(topic: { url: string; contentType: string }, origin: Origin, body: Buffer, secret: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'Content-Type': topic.contentType, Link: `<${hubUrl(origin)}>; rel="hub", <${topic.url}>; rel="self"` };
  if (secret !== undefined) headers['X-Hub-Signature'] = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  return headers;
}

/** The wait before attempt `attempt + 1`: base·2^(attempt−1), capped, then between 50 % and 100 % of it (jitter). */
export function retryDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const full = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(full * (0.5 + random() / 2));
}

/** Creates the delivery side; the sweep starts at once (an unref'd timer). */
export function createHubDelivery(options: HubDeliveryOptions): HubDelivery {
  const { store, bodies, origins, log } = options;
  const clock = options.clock ?? Date.now;
  const limits = options.limits ?? DEFAULT_LIMITS;
  const concurrency = options.concurrency ?? 4;
  const maxAttempts = options.maxAttempts ?? 6;
  const retryBaseMs = options.retryBaseMs ?? 10_000;
  const retryMaxMs = options.retryMaxMs ?? 15 * 60_000;
  let baseline: PublishedSet | undefined;
  let started = false;
  let closed = false;
  const queue: Job[] = [];
  const retries = new Set<NodeJS.Timeout>();
  let running = 0;
  let preparing = 0;
  /** The newest hash queued per (topic, callback): an older version still waiting is dropped. */
  const newest = new Map<string, string>();
  let idleWaiters: (() => void)[] = [];
  /** Publishes are prepared one after another, so a newer version is always queued last. */
  let chain: Promise<void> = Promise.resolve();

  const keyOf = (j: { topic: Topic; sub: HubSubscription }) => `${j.topic.url}\n${j.sub.callback}`;
  const settle = () => {
    if (queue.length > 0 || running > 0 || preparing > 0 || retries.size > 0) return;
    for (const w of idleWaiters.splice(0)) w();
  };

  const sweep = setInterval(() => {
    store.deleteExpiredSubscriptions(clock()).then(
      (n) => n > 0 && log(`hub: ${count(n, 'expired subscription')} removed`),
      (err: unknown) => log(`hub: cannot remove expired subscriptions: ${(err as Error).message}`),
    );
  }, options.sweepMs ?? 60_000);
  sweep.unref();

  /** One attempt; true when a retry was scheduled. */
  async function attempt(job: Job): Promise<boolean> {
    const { topic, sub } = job;
    if (newest.get(keyOf(job)) !== topic.document.hash) return false;
    // Unsubscribed or expired since it was queued: nothing more goes to it.
    const now = clock();
    const live = (await store.listSubscriptions(now, topic.url)).find((s) => s.callback === sub.callback);
    if (live === undefined) return false;
    const origin = origins[topic.originIndex] as Origin;
    let status: number;
    try {
      const target = await vetCallback(sub.callback, options.allowPrivate);
      const headers = deliveryHeaders({ url: topic.url, contentType: topic.document.contentType }, origin, job.body, live.secret);
      status = (await callbackRequest(target, 'POST', limits, headers, job.body)).status;
    } catch (err) {
      const e = err as { code?: string; message: string };
      if (e.code === 'HUB_CALLBACK_REFUSED') {
        log(`hub: delivery of ${topic.url} to ${sub.callback} dropped: ${e.message}`);
        return false;
      }
      status = 0;
      log(`hub: delivery of ${topic.url} to ${sub.callback} failed (attempt ${job.attempt}): ${e.message}`);
    }
    if (status >= 200 && status <= 299) return false;
    // §7: 410 Gone means the subscriber wants no more deliveries of this topic.
    if (status === 410) {
      await store.deleteSubscription(topic.url, sub.callback);
      log(`hub: ${sub.callback} answered 410 Gone: its subscription to ${topic.url} is removed`);
      return false;
    }
    if (status !== 0) log(`hub: delivery of ${topic.url} to ${sub.callback} answered ${status} (attempt ${job.attempt})`);
    if (job.attempt >= maxAttempts) {
      log(`hub: delivery of ${topic.url} to ${sub.callback} given up after ${maxAttempts} attempts`);
      return false;
    }
    const timer = setTimeout(() => {
      retries.delete(timer);
      if (!closed) enqueue({ ...job, attempt: job.attempt + 1 });
      settle();
    }, retryDelay(job.attempt, retryBaseMs, retryMaxMs));
    timer.unref();
    retries.add(timer);
    return true;
  }

  function pump(): void {
    while (!closed && running < concurrency && queue.length > 0) {
      const job = queue.shift() as Job;
      running += 1;
      attempt(job)
        .catch((err: unknown) => {
          log(`hub: delivery of ${job.topic.url} to ${job.sub.callback}: ${(err as Error).message}`);
          return false;
        })
        .then((retrying) => {
          // Done with this version: forget it unless a newer one is queued.
          if (!retrying && newest.get(keyOf(job)) === job.topic.document.hash) newest.delete(keyOf(job));
        })
        .finally(() => {
          running -= 1;
          pump();
          settle();
        });
    }
  }

  function enqueue(job: Job): void {
    queue.push(job);
    pump();
  }

  async function deliverChanges(before: PublishedSet, after: PublishedSet): Promise<void> {
    const now = clock();
    for (const topic of changedTopics(before, after, origins)) {
      const subs = await store.listSubscriptions(now, topic.url);
      if (subs.length === 0 || closed) continue;
      // Read now: the body of a replaced document may be deleted after the next publish.
      const body = await bodies.load(topic.document.identity.file, topic.document.identity.size);
      for (const sub of subs) {
        const job = { topic, sub, body, attempt: 1 };
        newest.set(keyOf(job), topic.document.hash);
        enqueue(job);
      }
    }
  }

  return {
    published(set) {
      const before = baseline;
      baseline = set;
      if (!started || before === undefined || closed) {
        started = true;
        return;
      }
      preparing += 1;
      chain = chain
        .then(() => deliverChanges(before, set))
        .catch((err: unknown) => log(`hub: cannot prepare deliveries: ${(err as Error).message}`))
        .finally(() => {
          preparing -= 1;
          settle();
        });
    },
    whenIdle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settle();
      });
    },
    async close() {
      closed = true;
      clearInterval(sweep);
      for (const t of retries) clearTimeout(t);
      retries.clear();
      queue.length = 0;
      if (running > 0 || preparing > 0) await new Promise<void>((resolve) => idleWaiters.push(resolve));
      idleWaiters = [];
    },
  };
}
