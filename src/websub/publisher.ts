// The WebSub publisher (W3C WebSub §7, "Publishing"): after a publish that changed feed
// documents, each configured hub hears `hub.mode=publish` with the topic (`hub.url`), as a
// form-encoded POST, one topic per request. Fire and forget for the compiler: pings run beside
// serving and compiling, with bounded concurrency per hub, retries with exponential backoff and
// jitter, and a per-hub circuit, so a slow or dead hub costs its own queue and nothing else.
import { Agent as HttpAgent, request as httpRequest, type ClientRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Origin } from '../core/site.js';
import type { CompiledDocument, PublishedSet } from '../publish/published-set.js';
import { changedTopics } from './changed-topics.js';
import { count } from '../core/plural.js';

/** What happened to one ping (or one hub's circuit); what logging, health and tests hear of. */
export interface PingEvent {
  kind: 'sent' | 'delivered' | 'retry' | 'gave-up' | 'rejected' | 'circuit-open' | 'circuit-closed' | 'dropped';
  hub: string;
  /** The topic URL (absent for circuit events and `dropped`). */
  topic?: string;
  /** Which attempt this was for the topic, 1 = the first. */
  attempt?: number;
  /** The hub's HTTP status, when it answered. */
  status?: number;
  /** Why it failed (a status, a network error, a timeout), for failures. */
  reason?: string;
  /** `retry`: ms until the next attempt; `circuit-open`: ms until a probe. */
  delayMs?: number;
  /** `dropped`: pings given up at close. */
  count?: number;
}

/** How the publisher behaves; every field has a default suited to production. */
export interface PublisherOptions {
  /** The hub URLs to ping (site.json `hubs`; never the built-in hub). */
  hubs: readonly string[];
  /** Requests in flight per hub (default 4). */
  concurrency?: number;
  /** Attempts per topic and change before giving up (default 6). */
  maxAttempts?: number;
  /** Backoff of the n-th retry: `min(capMs, baseMs·2^(n-1))`, half of it jittered (defaults 1,000 and 60,000 ms). */
  backoff?: { baseMs: number; capMs: number };
  /** ms from sending a ping to the hub's complete answer before it counts as failed (default 10,000). */
  timeoutMs?: number;
  /** Consecutive failed attempts that open a hub's circuit, and how long it stays open at first and at most (defaults 5, 30,000 and 600,000 ms, doubling on each failed probe). */
  circuit?: { failures: number; openMs: number; maxOpenMs: number };
  /** [0, 1) random numbers for the jitter (default Math.random). */
  random?: () => number;
  clock?: () => number;
  /** Hears of every event (the service passes pingEventsTo: failures to its log, outcomes to its metrics). */
  observe: (event: PingEvent) => void;
  /** Where the publisher's own faults (an observer that threw, finding changed topics failed) are logged: the service log, never the console. */
  logError: (line: string) => void;
}

/** One hub as /healthz shows it (with the token). */
export interface HubStatus {
  url: string;
  /** `open`: no ping is sent until a probe is due; `half-open`: the probe is due or in flight. */
  circuit: 'closed' | 'open' | 'half-open';
  /** Topics waiting to be sent, waiting for a retry, and in flight. */
  queued: number;
  retrying: number;
  inFlight: number;
  delivered: number;
  failed: number;
  lastSuccess: { at: string; topic: string; status: number } | null;
  lastFailure: { at: string; topic: string; reason: string } | null;
}

/** The running publisher. */
export interface WebSubPublisher {
  /** Queues a ping of every hub for each topic (a topic already waiting for a hub is not queued twice). Never throws, never blocks. */
  publish(topics: readonly string[]): void;
  /**
   * A compiler's publish listener (compiler.onPublish): each publish pings the topics it changed
   * on every origin (changedTopics); a set served again by restore only sets the baseline, and
   * a compile that publishes nothing calls no listener, so it pings nothing. One per compiler.
   */
  listener(origins: readonly Origin[]): (set: Pick<PublishedSet, 'documents'>, how: { restored: boolean }) => void;
  /** Each hub's circuit, queue and last outcomes. */
  status(): HubStatus[];
  /** Resolves once no ping is queued, waiting for a retry or in flight (tests; the compile command). */
  settled(): Promise<void>;
  /** Stops: waits up to `graceMs` (default 5,000) for pings to settle, then drops the rest (logged). */
  close(graceMs?: number): Promise<void>;
}

/**
 * The delay before retry `attempt` (1 = the first retry), in ms: exponential,
 * `d = min(capMs, baseMs·2^(attempt-1))`, with "equal jitter" — `d/2 + random·d/2` — so hubs are
 * not hit in lockstep and the delay still at least doubles its floor on each retry.
 */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  const d = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(d / 2 + random() * (d / 2));
}

/** The form body of a publish ping (W3C WebSub §7; `hub.url` as PubSubHubbub 0.4 hubs read it). */
export function pingBody(topic: string): string {
  return new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': topic }).toString();
}

/** A line for the server log for an event worth logging (failures and circuit changes), else undefined. */
export function describePingEvent(e: PingEvent): string | undefined {
  const where = `WebSub hub ${e.hub}${e.topic === undefined ? '' : ` (topic ${e.topic})`}`;
  switch (e.kind) {
    case 'gave-up': return `${where}: ping failed after ${count(e.attempt ?? 0, 'attempt')}: ${e.reason}`;
    case 'rejected': return `${where}: ping refused, not retried: ${e.reason}`;
    case 'circuit-open': return `${where}: ${e.reason}; no pings to it for ${Math.round((e.delayMs ?? 0) / 1000)} s`;
    case 'circuit-closed': return `${where}: answering again; pings resume`;
    case 'dropped': return `${where}: ${count(e.count ?? 0, 'ping')} dropped at shutdown`;
    default: return undefined;
  }
}

/**
 * The service's observer: failures and circuit changes to the log (`warn`), and each attempt's
 * outcome to the metrics (`feedwright_hub_pings_total{hub,outcome}`: a delivered ping is `ok`, a
 * refused one `refused`, a failed attempt — retried or given up — `timeout` or `failed`).
 */
export function pingEventsTo(logger: { warn: (line: string) => void }, metrics?: { hubPing: (hub: string, outcome: 'ok' | 'failed' | 'timeout' | 'refused') => void }): (e: PingEvent) => void {
  return (e) => {
    const line = describePingEvent(e);
    if (line !== undefined) logger.warn(line);
    if (metrics === undefined) return;
    if (e.kind === 'delivered') metrics.hubPing(e.hub, 'ok');
    else if (e.kind === 'rejected') metrics.hubPing(e.hub, 'refused');
    else if (e.kind === 'retry' || e.kind === 'gave-up') metrics.hubPing(e.hub, /time/i.test(e.reason ?? '') ? 'timeout' : 'failed');
  };
}

/** A status worth trying again (RFC 9110 §15.5.9 408, RFC 8470 425, RFC 6585 429, any 5xx). */
const retryable = (status: number) => status === 408 || status === 425 || status === 429 || status >= 500;

interface Hub {
  href: string;
  url: URL;
  agent: HttpAgent;
  /** Topics to send, in order, with the attempts they have had. */
  queue: Map<string, number>;
  /** Topics waiting for a retry: their timers. */
  waiting: Map<string, NodeJS.Timeout>;
  inFlight: Set<string>;
  requests: Set<ClientRequest>;
  failures: number;
  openUntil: number | undefined;
  openMs: number;
  probeTimer: NodeJS.Timeout | undefined;
  delivered: number;
  failed: number;
  lastSuccess: HubStatus['lastSuccess'];
  lastFailure: HubStatus['lastFailure'];
}

/**
 * Creates the publisher; it sends nothing until `publish` (or a listener) gives it topics. Each
 * hub gets its own keep-alive agent, queue and circuit (see PublisherOptions for the defaults).
 * Throws a TypeError when a hub is not a URL (site.json's `hubs` are validated before this).
 */
export function createWebSubPublisher(options: PublisherOptions): WebSubPublisher {
  const concurrency = options.concurrency ?? 4;
  const maxAttempts = options.maxAttempts ?? 6;
  const backoff = options.backoff ?? { baseMs: 1_000, capMs: 60_000 };
  const timeoutMs = options.timeoutMs ?? 10_000;
  const circuit = options.circuit ?? { failures: 5, openMs: 30_000, maxOpenMs: 600_000 };
  const random = options.random ?? Math.random;
  const clock = options.clock ?? Date.now;
  const { observe, logError } = options;
  const emit = (e: PingEvent) => {
    try {
      observe(e);
    } catch (err) {
      logError(`observing a WebSub ping: ${(err as Error).message}`);
    }
  };
  const hubs: Hub[] = options.hubs.map((href) => {
    const url = new URL(href);
    const Agent = url.protocol === 'https:' ? HttpsAgent : HttpAgent;
    return { href, url, agent: new Agent({ keepAlive: true, maxSockets: concurrency }), queue: new Map(), waiting: new Map(), inFlight: new Set(), requests: new Set(), failures: 0, openUntil: undefined, openMs: circuit.openMs, probeTimer: undefined, delivered: 0, failed: 0, lastSuccess: null, lastFailure: null };
  });
  let closed = false;
  let idle: (() => void)[] = [];

  const busy = (h: Hub) => h.queue.size > 0 || h.waiting.size > 0 || h.inFlight.size > 0;
  const checkIdle = () => {
    if (hubs.some(busy)) return;
    const waiters = idle;
    idle = [];
    for (const w of waiters) w();
  };

  /** Sends what the hub's circuit and concurrency allow. */
  function pump(h: Hub): void {
    if (closed) return;
    for (const [topic, attempts] of h.queue) {
      if (h.inFlight.size >= concurrency) break;
      if (h.openUntil !== undefined) {
        // Open: nothing until the probe is due; half-open: one probe at a time.
        if (clock() < h.openUntil || h.inFlight.size > 0) break;
      }
      if (h.inFlight.has(topic)) continue; // its next ping follows the one in flight
      h.queue.delete(topic);
      send(h, topic, attempts + 1);
    }
  }

  /** One failed attempt: counted towards the circuit, then retried later or given up. */
  function failed(h: Hub, topic: string, attempt: number, reason: string, retryAfterMs: number | undefined): void {
    h.lastFailure = { at: new Date(clock()).toISOString(), topic, reason };
    h.failures += 1;
    // A failure while the circuit is open and no probe is due is a request sent before it opened.
    const probe = h.openUntil !== undefined && clock() >= h.openUntil;
    if (probe || (h.openUntil === undefined && h.failures >= circuit.failures)) {
      // A failed probe doubles the wait, up to the cap.
      const wait = probe ? Math.min(circuit.maxOpenMs, h.openMs * 2) : h.openMs;
      h.openMs = wait;
      h.openUntil = clock() + wait;
      clearTimeout(h.probeTimer);
      h.probeTimer = setTimeout(() => pump(h), wait);
      h.probeTimer.unref();
      emit({ kind: 'circuit-open', hub: h.href, reason: `${h.failures} failed pings in a row (last: ${reason})`, delayMs: wait });
    }
    if (attempt >= maxAttempts) {
      h.failed += 1;
      emit({ kind: 'gave-up', hub: h.href, topic, attempt, reason });
      return;
    }
    const delay = Math.min(backoff.capMs, Math.max(backoffDelay(attempt, backoff.baseMs, backoff.capMs, random), retryAfterMs ?? 0));
    emit({ kind: 'retry', hub: h.href, topic, attempt, reason, delayMs: delay });
    const timer = setTimeout(() => {
      h.waiting.delete(topic);
      if (!closed && !h.queue.has(topic)) h.queue.set(topic, attempt);
      pump(h);
      checkIdle();
    }, delay);
    timer.unref();
    h.waiting.set(topic, timer);
  }

  /** One POST to the hub (W3C WebSub §7): any 2xx is success. */
  function send(h: Hub, topic: string, attempt: number): void {
    h.inFlight.add(topic);
    emit({ kind: 'sent', hub: h.href, topic, attempt });
    const body = pingBody(topic);
    const request = h.url.protocol === 'https:' ? httpsRequest : httpRequest;
    let done = false;
    const finish = (outcome: { status: number; retryAfter?: string } | { error: string }) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      h.requests.delete(req);
      h.inFlight.delete(topic);
      if (closed) return checkIdle();
      if ('status' in outcome && outcome.status >= 200 && outcome.status < 300) {
        h.delivered += 1;
        h.failures = 0;
        h.lastSuccess = { at: new Date(clock()).toISOString(), topic, status: outcome.status };
        emit({ kind: 'delivered', hub: h.href, topic, attempt, status: outcome.status });
        if (h.openUntil !== undefined) {
          h.openUntil = undefined;
          h.openMs = circuit.openMs;
          clearTimeout(h.probeTimer);
          emit({ kind: 'circuit-closed', hub: h.href });
        }
      } else if ('status' in outcome && !retryable(outcome.status)) {
        // The hub answered and refused (a 4xx): the same request would be refused again.
        h.failed += 1;
        h.failures = 0;
        h.lastFailure = { at: new Date(clock()).toISOString(), topic, reason: `HTTP ${outcome.status}` };
        emit({ kind: 'rejected', hub: h.href, topic, attempt, status: outcome.status, reason: `HTTP ${outcome.status}` });
      } else {
        const seconds = 'status' in outcome && outcome.retryAfter !== undefined && /^\d+$/.test(outcome.retryAfter) ? Number(outcome.retryAfter) * 1000 : undefined;
        failed(h, topic, attempt, 'status' in outcome ? `HTTP ${outcome.status}` : outcome.error, seconds);
      }
      pump(h);
      checkIdle();
    };
    const req = request(h.url, {
      method: 'POST',
      agent: h.agent,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body), 'User-Agent': 'feedwright (WebSub publisher)' },
    }, (res) => {
      // The body is read to its end (the connection is reused) and ignored.
      res.resume();
      res.on('end', () => finish({ status: res.statusCode ?? 0, ...(typeof res.headers['retry-after'] === 'string' ? { retryAfter: res.headers['retry-after'] } : {}) }));
      res.on('error', (err) => finish({ error: err.message }));
    });
    // A hub that never answers holds one slot for at most timeoutMs.
    const deadline = setTimeout(() => {
      finish({ error: `no answer within ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    deadline.unref();
    h.requests.add(req);
    req.on('error', (err) => finish({ error: err.message }));
    req.end(body);
  }

  function settled(): Promise<void> {
    return new Promise<void>((resolve) => {
      idle.push(resolve);
      checkIdle();
    });
  }

  function publish(topics: readonly string[]): void {
    if (closed || topics.length === 0) return;
    for (const h of hubs) {
      for (const topic of topics) if (!h.queue.has(topic) && !h.waiting.has(topic)) h.queue.set(topic, 0);
      pump(h);
    }
  }

  return {
    publish,
    listener(origins) {
      let previous: ReadonlyMap<string, readonly CompiledDocument[]> | undefined;
      return (set, how) => {
        const before = previous;
        previous = set.documents;
        if (how.restored) return;
        // Called from the compiler's publish: never throws into it.
        try {
          publish(changedTopics(before, set.documents, origins));
        } catch (err) {
          logError(`WebSub: finding the changed topics failed: ${(err as Error).message}`);
        }
      };
    },
    status: () => hubs.map((h) => ({
      url: h.href,
      circuit: h.openUntil === undefined ? 'closed' : clock() < h.openUntil ? 'open' : 'half-open',
      queued: h.queue.size,
      retrying: h.waiting.size,
      inFlight: h.inFlight.size,
      delivered: h.delivered,
      failed: h.failed,
      lastSuccess: h.lastSuccess,
      lastFailure: h.lastFailure,
    })),
    settled,
    async close(graceMs = 5_000) {
      if (closed) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([settled(), new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
      closed = true;
      for (const h of hubs) {
        const left = h.queue.size + h.waiting.size + h.inFlight.size;
        if (left > 0) emit({ kind: 'dropped', hub: h.href, count: left });
        for (const t of h.waiting.values()) clearTimeout(t);
        clearTimeout(h.probeTimer);
        h.queue.clear();
        h.waiting.clear();
        for (const r of h.requests) r.destroy();
        h.agent.destroy();
      }
      checkIdle();
    },
  };
}
