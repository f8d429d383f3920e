// Drives the open-loop generator (open-loop.ts) from the benchmark and the soak: builds the
// request mix, runs the generator as a child process, reads its per-request samples back and
// cuts them into time windows (e.g. "while the full compile ran").
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST, HOST, get, logFile, round, spawnNode, withTimeout } from './plumbing.js';
import { quantile, type OpenLoopSpec, type OpenLoopSummary } from './open-loop.js';

/** One request of the mix. */
export type MixRequest = OpenLoopSpec['requests'][number];

/** A finished run: the generator's summary and its samples ([scheduledMs, latencyMs, status] triples). */
export interface OpenLoopRun {
  summary: OpenLoopSummary;
  samples: Float64Array;
}

/**
 * The readers' mix, like the soak: `documents` feed documents from /feeds.opml spread over RSS,
 * Atom and JSON Feed and over `hosts` (the served origins), each asked for twice — once
 * unconditionally with gzip, once with gzip and If-None-Match of the ETag it had when the mix
 * was built (answered 304 until the document changes). Throws when /feeds.opml is not served.
 */
export async function requestMix(port: number, hosts: string[], documents = 300): Promise<MixRequest[]> {
  const opml = await get(port, '/feeds.opml');
  if (opml.status !== 200) throw new Error(`/feeds.opml answered ${opml.status}`);
  const feeds = [...opml.body.toString('utf8').matchAll(/xmlUrl="([^"]*)"/g)].map((m) => new URL((m[1] as string).replace(/&amp;/g, '&')).pathname).slice(0, documents);
  const mix: MixRequest[] = [];
  for (const [i, rss] of feeds.entries()) {
    const path = i % 3 === 0 ? rss : rss.replace(/rss\.xml$/, i % 3 === 1 ? 'atom.xml' : 'feed.json');
    const host = hosts[i % hosts.length] as string;
    const first = await get(port, path, { host, 'accept-encoding': 'gzip' });
    if (first.status !== 200 || first.headers.etag === undefined) throw new Error(`GET ${path} (Host ${host}) answered ${first.status}${first.headers.etag === undefined ? ' without an ETag' : ''}`);
    mix.push({ path, headers: { host, 'accept-encoding': 'gzip' } });
    mix.push({ path, headers: { host, 'accept-encoding': 'gzip', 'if-none-match': first.headers.etag } });
  }
  // A fixed interleaving (seeded shuffle), so a run never hammers one document in a row.
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let i = mix.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rnd() * (i + 1));
    [mix[i], mix[j]] = [mix[j] as MixRequest, mix[i] as MixRequest];
  }
  return mix;
}

/**
 * Runs the generator in its own process against 127.0.0.1:`port` at `rate` requests a second
 * over `connections` sockets for `seconds`, and resolves with its summary and samples. Throws
 * when the generator fails or runs `seconds` + 60 s.
 */
export function runOpenLoop(name: string, workDir: string, options: OpenLoopOptions): Promise<OpenLoopRun> {
  return startOpenLoop(name, workDir, options).result;
}

/** What runOpenLoop sends: `rate` requests a second of `requests`, over `connections` sockets, for `seconds` at most. */
export interface OpenLoopOptions {
  port: number;
  rate: number;
  connections: number;
  seconds: number;
  requests: MixRequest[];
  timeoutMs?: number;
}

/** Like runOpenLoop, with `stop()` to end the schedule early (the requests sent are still waited for). */
export function startOpenLoop(name: string, workDir: string, options: OpenLoopOptions): { result: Promise<OpenLoopRun>; stop(): void } {
  let stop = () => {};
  const result = (async () => {
    const spec: OpenLoopSpec = { host: HOST, port: options.port, rate: options.rate, connections: options.connections, seconds: options.seconds, requests: options.requests, timeoutMs: options.timeoutMs ?? 10_000, samplesFile: join(workDir, `${name}.samples`) };
    const specFile = join(workDir, `${name}.spec.json`);
    writeFileSync(specFile, JSON.stringify(spec));
    const { lines, exited, child } = spawnNode(name, join(DIST, 'bench', 'open-loop.js'), [specFile]);
    stop = () => void child.kill('SIGUSR2');
    const code = await withTimeout(exited, (options.seconds + 60) * 1000, `the open-loop generator ${name}`).catch((err: unknown) => {
      child.kill('SIGKILL');
      throw err;
    });
    const last = lines.filter((l) => l.startsWith('{')).pop();
    if (code !== 0 || last === undefined) throw new Error(`the open-loop generator exited with ${code}; see ${logFile(name)}`);
    const buf = readFileSync(spec.samplesFile);
    return { summary: JSON.parse(last) as OpenLoopSummary, samples: new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8) };
  })();
  return { result, stop: () => stop() };
}

/** Latency figures (ms from the scheduled send) of the requests scheduled between two wall-clock instants (epoch ms). */
export function windowStats(run: OpenLoopRun, fromEpochMs: number, toEpochMs: number): { requests: number; errors: number; p50Ms: number; p99Ms: number; maxMs: number } {
  const from = fromEpochMs - run.summary.startEpochMs;
  const to = toEpochMs - run.summary.startEpochMs;
  const lat: number[] = [];
  let errors = 0;
  for (let i = 0; i + 2 < run.samples.length; i += 3) {
    const at = run.samples[i] as number;
    if (!(at >= from && at < to)) continue;
    lat.push(run.samples[i + 1] as number);
    if (run.samples[i + 2] === 0) errors += 1;
  }
  lat.sort((a, b) => a - b);
  return { requests: lat.length, errors, p50Ms: round(quantile(lat, 0.5)), p99Ms: round(quantile(lat, 0.99)), maxMs: round(lat[lat.length - 1] ?? Number.NaN) };
}

/** The summary as it goes into the results (figures, no samples). */
export function summaryJson(run: OpenLoopRun): Record<string, unknown> {
  const s = run.summary;
  return { rate: s.rate, connections: s.connections, seconds: s.seconds, scheduled: s.scheduled, sent: s.sent, completed: s.completed, errors: s.errors, timeouts: s.timeouts, statuses: s.statuses, sentPerSecond: s.sentPerSecond, completedPerSecond: s.completedPerSecond, sendLagP99Ms: s.sendLagP99Ms, sendLagMaxMs: s.sendLagMaxMs, p50Ms: s.latency.p50Ms, p90Ms: s.latency.p90Ms, p99Ms: s.latency.p99Ms, p999Ms: s.latency.p999Ms, maxMs: s.latency.maxMs, meanMs: s.latency.meanMs, megabytes: round(s.bytes / 1e6, 1) };
}

/** One line for the log: rate achieved, errors and latency. */
export function describe(run: OpenLoopRun): string {
  const s = run.summary;
  return `${s.sentPerSecond}/${s.rate} req/s sent, ${s.completedPerSecond} answered/s, ${s.errors} errors, ${s.timeouts} timeouts, statuses ${JSON.stringify(s.statuses)}; latency p50 ${s.latency.p50Ms} / p99 ${s.latency.p99Ms} / max ${s.latency.maxMs} ms (generator lag p99 ${s.sendLagP99Ms} ms, max ${s.sendLagMaxMs} ms)`;
}
