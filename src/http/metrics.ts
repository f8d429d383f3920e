// The service's metrics (prom-client), exposed at /metrics in the Prometheus text exposition
// format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/): requests by format,
// status and coding (fed by the fast path's observer and the app's), the 304 share, compiles,
// the published set, store errors, API writes and refused authentications, hub pings, and the
// process (prom-client's default metrics). Recording is O(1) and adds to plain numbers; the
// labelled children are made once per (format, status, coding) and given the sums at each scrape.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Coding, CompileStatus, PublishedSet } from '../publish/published-set.js';
import type { ResponseObserver } from './served-response.js';

/** The `format` label of a request: the document kind its path names, `api`, or `other`. */
export type RequestFormat = 'rss' | 'atom' | 'json' | 'opml' | 'html' | 'api' | 'other';

/**
 * The format a path names: `rss` (`…/rss.xml`), `atom` (`…/atom.xml`), `json` (`…/feed.json`),
 * `opml` (`.opml`), `html` (`/`, `.html`), `api` (`/api/…`), else `other` (health, static files,
 * not found). Looks at the path's end only: O(1) in practice.
 */
export function formatOfPath(path: string): RequestFormat {
  if (path === '/' || path.endsWith('.html')) return 'html';
  if (path.endsWith('/rss.xml')) return 'rss';
  if (path.endsWith('/atom.xml')) return 'atom';
  if (path.endsWith('/feed.json')) return 'json';
  if (path.endsWith('.opml')) return 'opml';
  if (path.startsWith('/api/')) return 'api';
  return 'other';
}

/** The formats in label order; the document formats come before `api` and `other`. */
const FORMATS: readonly RequestFormat[] = ['rss', 'atom', 'json', 'opml', 'html', 'api', 'other'];
const API_FORMAT = 5;
const FORMAT_INDEX = new Map<RequestFormat, number>(FORMATS.map((f, i) => [f, i]));
/** The `coding` label by index: the three codings, then `none` (an answer without a representation). */
const CODING_LABELS = ['identity', 'gzip', 'br', 'none'] as const;
const CODING_INDEX: Record<Coding, number> = { identity: 0, gzip: 1, br: 2 };

/** {@link formatOfPath} as an index into FORMATS. */
function formatIndexOfPath(path: string): number {
  return FORMAT_INDEX.get(formatOfPath(path)) as number;
}

/** One (format, status, coding) combination: its prom-client child and the answers not yet added to it. */
interface Tally {
  child: Counter.Internal;
  pending: number;
}

/** What the compiler's hub pings report (see src/websub): one count per ping and outcome. */
export type HubPingOutcome = 'ok' | 'failed' | 'timeout' | 'refused';

/** The metrics of one service. */
export interface Metrics {
  /** The registry /metrics exposes. */
  readonly registry: Registry;
  /** Counts every answer (fast path and app): requests by format, status and coding; bytes; the 304 share. */
  readonly observe: ResponseObserver;
  /** Records a compile's report: duration, result, article file problems. */
  compiled(report: CompileStatus): void;
  /** Counts a store call that failed where the service catches it (`where`: `api`, `compile`, …). */
  storeError(where: string): void;
  /** Counts an API write by the client (token name) that made it; `action`: `create`, `update`, `unchanged`, `delete`. */
  apiWrite(client: string, action: string): void;
  /** Counts a refused authentication: `missing`, `invalid` (a wrong token) or `throttled` (429). */
  authFailure(reason: 'missing' | 'invalid' | 'throttled'): void;
  /**
   * Counts one WebSub hub ping (src/websub/publisher.ts calls this after each ping): `hub` is
   * the hub's URL as configured (a bounded set), `outcome` what came of it.
   */
  hubPing(hub: string, outcome: HubPingOutcome): void;
  /** The exposition: `contentType` (text/plain; version=0.0.4) and the text. */
  expose(): Promise<{ contentType: string; text: string }>;
}

/** What the metrics read at scrape time. */
export interface MetricsOptions {
  /** The set being served (the published-set gauges are read from it at each scrape). */
  current: () => PublishedSet | undefined;
  /** Wall clock in epoch ms (for the age of the last publish); default Date.now. */
  clock?: () => number;
  /** Add prom-client's process metrics (CPU, memory, event loop lag, handles); default true. */
  processMetrics?: boolean;
}

/**
 * A gauge without labels whose value may be unknown: `read()` at each scrape gives the value, or
 * undefined when there is none yet, and the series is then absent from the exposition (its HELP
 * and TYPE stay). Prometheus's convention for "no value": an absent series, which `absent()` and
 * alerts see, never a 0 that reads as a real figure (prom-client's plain Gauge always writes 0).
 */
export function unknownGauge(config: { name: string; help: string; registers: Registry[]; read: () => number | undefined }): Gauge {
  const { read, ...gaugeConfig } = config;
  const gauge = new (class extends Gauge {
    override async get(): ReturnType<Gauge['get']> {
      const value = read();
      if (value === undefined) {
        this.reset();
        const metric = await super.get();
        return { ...metric, values: [] };
      }
      this.set(value);
      return super.get();
    }
  })(gaugeConfig);
  return gauge;
}

/** Compile durations, in seconds: a small change takes well under a second, a full compile minutes. */
const COMPILE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900];

/** Creates the metrics in their own registry (never prom-client's global one: tests run several services). */
export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const clock = options.clock ?? Date.now;
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'feedwright_' });

  const requests = new Counter({ name: 'feedwright_http_requests_total', help: 'HTTP requests answered, by format (rss, atom, json, opml, html, api, other), status and content coding sent (none without a representation).', labelNames: ['format', 'status', 'coding'] as const, registers, collect: () => settle() });
  const bytes = new Counter({ name: 'feedwright_http_response_body_bytes_total', help: 'Response body bytes sent, by format.', labelNames: ['format'] as const, registers, collect: () => settle() });
  // The hot path only adds to plain numbers: an answer costs a path test and two additions.
  // The increments are moved into prom-client's counters when /metrics is scraped (collect()).
  const tallies = new Map<number, Tally>();
  const pendingBytes = new Float64Array(FORMATS.length);
  let documentAnswers = 0;
  let notModified = 0;
  const settle = () => {
    for (const t of tallies.values()) {
      if (t.pending === 0) continue;
      t.child.inc(t.pending);
      t.pending = 0;
    }
    for (let i = 0; i < FORMATS.length; i += 1) {
      const n = pendingBytes[i] as number;
      if (n === 0) continue;
      bytes.labels(FORMATS[i] as RequestFormat).inc(n);
      pendingBytes[i] = 0;
    }
  };
  unknownGauge({
    name: 'feedwright_http_not_modified_ratio',
    help: 'Share of feed, OPML and page requests (fast path) answered 304 Not Modified since start, 0 to 1 (absent before the first such request).',
    registers,
    read: () => {
      settle();
      return documentAnswers === 0 ? undefined : notModified / documentAnswers;
    },
  });

  const observe: ResponseObserver = (_req, served) => {
    const format = formatIndexOfPath(served.path);
    const status = served.status;
    const coding = served.coding === undefined ? 3 : CODING_INDEX[served.coding];
    // status < 1000 and coding < 4: one small integer per combination.
    const key = (format * 1000 + status) * 4 + coding;
    let t = tallies.get(key);
    if (t === undefined) {
      t = { child: requests.labels(FORMATS[format] as RequestFormat, String(status), CODING_LABELS[coding] as string), pending: 0 };
      tallies.set(key, t);
    }
    t.pending += 1;
    if (served.bytes > 0) pendingBytes[format] = (pendingBytes[format] as number) + served.bytes;
    if (format < API_FORMAT && status !== 404) {
      documentAnswers += 1;
      if (status === 304) notModified += 1;
    }
  };

  const duration = new Histogram({ name: 'feedwright_compile_duration_seconds', help: 'Duration of each compile, in seconds.', buckets: COMPILE_BUCKETS, registers });
  const compiles = new Counter({ name: 'feedwright_compiles_total', help: 'Compiles by result: published (a new set went live), unchanged (nothing to publish), partial (published, some feeds failed), failed (nothing published).', labelNames: ['result'] as const, registers });
  // Absent before the first compile: 0 would say "no broken files" when none has been read yet.
  let lastFileProblems: number | undefined;
  unknownGauge({ name: 'feedwright_article_file_problems', help: 'Article files skipped by the last compile (broken JSON, bad fields, duplicates); absent before the first compile.', registers, read: () => lastFileProblems });
  compiles.labels('published').inc(0);
  compiles.labels('failed').inc(0);
  const storeErrors = new Counter({ name: 'feedwright_store_errors_total', help: 'Store calls that failed, by where the service caught them (api, compile).', labelNames: ['where'] as const, registers });
  storeErrors.labels('api').inc(0);
  storeErrors.labels('compile').inc(0);
  const apiWrites = new Counter({ name: 'feedwright_api_writes_total', help: 'Ingest API writes, by client (the token name) and action (create, update, unchanged, delete).', labelNames: ['client', 'action'] as const, registers });
  const authFailures = new Counter({ name: 'feedwright_auth_failures_total', help: 'Refused authentications (API, /metrics, /healthz details), by reason: missing, invalid, throttled (answered 429).', labelNames: ['reason'] as const, registers });
  for (const r of ['missing', 'invalid', 'throttled']) authFailures.labels(r).inc(0);
  const hubPings = new Counter({ name: 'feedwright_hub_pings_total', help: 'WebSub hub pings after a publish, by hub and outcome (ok, failed, timeout, refused).', labelNames: ['hub', 'outcome'] as const, registers });

  // The published set's gauges have no value before the first set is served: absent, never 0
  // (a last-publish time of 0 would read as the epoch, an age of 0 as "just published").
  const setGauge = (name: string, help: string, read: (set: PublishedSet) => number) => {
    unknownGauge({ name, help, registers, read: () => {
      const set = options.current();
      return set === undefined ? undefined : read(set);
    } });
  };
  setGauge('feedwright_documents', 'Documents in the published set (paths × origins); absent before the first.', (set) => {
    let n = 0;
    for (const docs of set.documents.values()) n += docs.length;
    return n;
  });
  setGauge('feedwright_feeds', 'Feeds in the published set; absent before the first.', (set) => set.feeds.length);
  setGauge('feedwright_articles', 'Articles in the published set; absent before the first.', (set) => set.articles);
  setGauge('feedwright_last_publish_timestamp_seconds', 'When the set being served was published (Unix time, seconds); absent before the first.', (set) => set.publishedAt / 1000);
  setGauge('feedwright_last_publish_age_seconds', 'Seconds since the set being served was published (absent before the first).', (set) => Math.max(0, (clock() - set.publishedAt) / 1000));

  return {
    registry,
    observe,
    compiled(report) {
      duration.observe(report.durationMs / 1000);
      const result = report.error !== undefined ? 'failed' : !report.published ? 'unchanged' : report.failedFeeds.length > 0 ? 'partial' : 'published';
      compiles.labels(result).inc();
      lastFileProblems = report.problems.length;
      if (report.errorCode !== undefined && report.errorCode.startsWith('STORE_')) storeErrors.labels('compile').inc();
    },
    storeError: (where) => storeErrors.labels(where).inc(),
    apiWrite: (client, action) => apiWrites.labels(client, action).inc(),
    authFailure: (reason) => authFailures.labels(reason).inc(),
    hubPing: (hub, outcome) => hubPings.labels(hub, outcome).inc(),
    expose: async () => ({ contentType: registry.contentType, text: await registry.metrics() }),
  };
}
