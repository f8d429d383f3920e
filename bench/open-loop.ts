// The open-loop load generator, run as its own process (wrk2 is not available): requests leave on
// a fixed schedule (`rate` a second) whatever the server does, over a keep-alive agent of
// `connections` sockets. A request whose socket is busy waits in the agent's queue, and every
// latency is counted from the request's SCHEDULED send time, so a server stall shows up in full
// in the latencies instead of slowing the generator down (no coordinated omission, the flaw of
// closed-loop tools like wrk and autocannon, whose connections wait for the stalled answer).
// The generator's own lag (actual send − scheduled) is reported so a saturated generator is visible.
// Usage: node dist/bench/open-loop.js SPEC.json — prints one JSON line (OpenLoopSummary) on stdout
// and writes one [scheduledMs, latencyMs, status] triple per request to spec.samplesFile
// (Float64, little-endian; status 0 = error or timeout).
import { Agent, request } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';

/** What to send. */
export interface OpenLoopSpec {
  host: string;
  port: number;
  /** Requests a second, on a fixed schedule. */
  rate: number;
  /** Keep-alive sockets (all opened before the schedule starts). */
  connections: number;
  /** The schedule's length at most (SIGUSR2 ends it sooner). */
  seconds: number;
  /** The mix, sent in this order round and round. */
  requests: { path: string; headers: Record<string, string> }[];
  /** A request not answered this long after its scheduled time counts as a timeout. */
  timeoutMs: number;
  samplesFile: string;
}

/** What happened, latencies in ms from the scheduled send time. */
export interface OpenLoopSummary {
  /** Wall-clock time (epoch ms) of the schedule's first request. */
  startEpochMs: number;
  /** The schedule's length (shorter than asked when SIGUSR2 ended it). */
  seconds: number;
  rate: number;
  connections: number;
  scheduled: number;
  /** Requests handed to a socket or the agent's queue within the schedule. */
  sent: number;
  completed: number;
  errors: number;
  timeouts: number;
  statuses: Record<string, number>;
  /** Requests sent ÷ seconds (below `rate` only when the generator itself could not keep up). */
  sentPerSecond: number;
  /** Answers ÷ the time from the first scheduled send to the last answer. */
  completedPerSecond: number;
  /** How late the generator itself sent (p99 and max, ms): its own saturation, not the server's. */
  sendLagP99Ms: number;
  sendLagMaxMs: number;
  bytes: number;
  latency: { p50Ms: number; p90Ms: number; p99Ms: number; p999Ms: number; maxMs: number; meanMs: number };
}

/** The q-quantile of sorted values (nearest rank). */
export function quantile(sorted: Float64Array | number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

async function run(spec: OpenLoopSpec): Promise<OpenLoopSummary> {
  // fifo: a free socket is the one idle longest, so the load spreads over every connection.
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections, maxFreeSockets: spec.connections, scheduling: 'fifo' });
  /** Sends request `i` of the mix; returns it (destroyed on timeout: a queued one leaves the agent's queue). */
  const one = (i: number, onDone: (status: number, bytes: number) => void): ReturnType<typeof request> => {
    const r = spec.requests[i % spec.requests.length] as OpenLoopSpec['requests'][number];
    let finished = false;
    const finish = (status: number, bytes: number) => {
      if (finished) return;
      finished = true;
      onDone(status, bytes);
    };
    const req = request({ host: spec.host, port: spec.port, path: r.path, headers: r.headers, agent }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => finish(res.statusCode ?? 0, bytes));
      res.on('error', () => finish(0, bytes));
    });
    req.on('error', () => finish(0, 0));
    req.end();
    return req;
  };

  // Warm-up: open every connection (answers not counted).
  await Promise.all(Array.from({ length: spec.connections }, (_, i) => new Promise<void>((res) => one(i, () => res()))));

  // At most `seconds`; SIGUSR2 ends the schedule early (the benchmark stops the load once the
  // compile it measures has published) and the requests already sent are waited for.
  let total = Math.round(spec.rate * spec.seconds);
  const interval = 1000 / spec.rate;
  const samples = new Float64Array(total * 3).fill(Number.NaN);
  const lags = new Float64Array(total);
  const statuses: Record<string, number> = {};
  let completed = 0;
  let errors = 0;
  let timeouts = 0;
  let bytes = 0;
  let lastAnswer = 0;
  let sent = 0;
  const t0 = performance.now() + 20;
  const startEpochMs = performance.timeOrigin + t0;
  let allDone: () => void = () => {};
  const done = new Promise<void>((r) => (allDone = r));
  let settled = 0;
  let scheduling = true;
  const settle = () => {
    settled += 1;
    if (!scheduling && settled === sent) allDone();
  };

  const send = (i: number) => {
    const scheduled = t0 + i * interval;
    const now = performance.now();
    lags[i] = now - scheduled;
    sent += 1;
    let over = false;
    let req: ReturnType<typeof request> | undefined;
    const deadline = setTimeout(() => {
      over = true;
      // A client gives up: the socket closes (or the queued request leaves the queue) and the
      // server's work for it stops, as a reader's timeout would.
      req?.destroy();
      timeouts += 1;
      samples[i * 3] = scheduled - t0;
      samples[i * 3 + 1] = performance.now() - scheduled;
      samples[i * 3 + 2] = 0;
      settle();
    }, Math.max(1, spec.timeoutMs - (now - scheduled)));
    req = one(i, (status, n) => {
      if (over) return;
      clearTimeout(deadline);
      const end = performance.now();
      lastAnswer = end;
      samples[i * 3] = scheduled - t0;
      samples[i * 3 + 1] = end - scheduled;
      samples[i * 3 + 2] = status;
      bytes += n;
      if (status === 0) errors += 1;
      else {
        completed += 1;
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
      settle();
    });
  };

  let next = 0;
  await new Promise<void>((resolveSchedule) => {
    const tick = () => {
      if (stopRequested) total = next;
      const due = Math.min(total, Math.floor((performance.now() - t0) / interval) + 1);
      while (next < due) send(next++);
      if (next < total) setTimeout(tick, 1);
      else resolveSchedule();
    };

    setTimeout(tick, Math.max(0, t0 - performance.now()));
  });
  scheduling = false;
  if (settled === sent) allDone();
  await done;
  agent.destroy();

  const latencies = new Float64Array(total);
  const sentLags = lags.subarray(0, total);
  let ok = 0;
  let sum = 0;
  for (let i = 0; i < total; i += 1) {
    const l = samples[i * 3 + 1] as number;
    latencies[ok++] = l;
    sum += l;
  }
  latencies.sort();
  sentLags.sort();
  writeFileSync(spec.samplesFile, Buffer.from(samples.buffer, 0, total * 3 * 8));
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return {
    startEpochMs: Math.round(startEpochMs),
    seconds: Math.round((total / spec.rate) * 10) / 10,
    rate: spec.rate,
    connections: spec.connections,
    scheduled: total,
    sent,
    completed,
    errors,
    timeouts,
    statuses,
    sentPerSecond: r2(sent / Math.max(1e-3, total / spec.rate)),
    completedPerSecond: r2(completed / Math.max(total / spec.rate, (lastAnswer - t0) / 1000)),
    sendLagP99Ms: r2(quantile(sentLags, 0.99)),
    sendLagMaxMs: r2(sentLags[sentLags.length - 1] ?? Number.NaN),
    bytes,
    // Errors and timeouts count with the time they took: a request that never came back is
    // at least as late as its deadline, never left out.
    latency: { p50Ms: r2(quantile(latencies, 0.5)), p90Ms: r2(quantile(latencies, 0.9)), p99Ms: r2(quantile(latencies, 0.99)), p999Ms: r2(quantile(latencies, 0.999)), maxMs: r2(latencies[latencies.length - 1] ?? Number.NaN), meanMs: r2(sum / Math.max(1, ok)) },
  };
}

let stopRequested = false;
const specFile = process.argv[2];
if (specFile !== undefined && process.argv[1]?.endsWith('open-loop.js')) {
  process.on('SIGUSR2', () => {
    stopRequested = true;
  });
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as OpenLoopSpec;
  run(spec).then(
    (summary) => {
      process.stdout.write(`${JSON.stringify(summary)}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
