// Closed-loop throughput runs (64 connections, each sends its next request when the last one
// answered): wrk when installed, else autocannon. Used for the A/B serving ratios, where the
// question is "how many requests a second at most", not "how late under a fixed rate" (that is
// open-loop.ts).
import { spawn, spawnSync } from 'node:child_process';
import autocannon, { type Result as CannonResult } from 'autocannon';
import { round, track, withTimeout } from './plumbing.js';

/** One bounded run's figures. */
export interface Run {
  rps: number;
  p99Ms: number;
  p50Ms: number;
  total: number;
  expected: number;
  errors: number;
  timeouts: number;
}

/** True when wrk is on the PATH. */
export function wrkInstalled(): boolean {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8', timeout: 5000 });
  return r.error === undefined && /wrk/.test(`${r.stdout}${r.stderr}`);
}

let loadTool: 'wrk' | 'autocannon' = 'autocannon';

/** Chooses the generator for every later `load` call. */
export function useLoadTool(tool: 'wrk' | 'autocannon'): void {
  loadTool = tool;
}

/** One bounded run of `seconds` at 64 connections on one URL with the chosen load generator. */
export function load(url: string, seconds: number, headers: Record<string, string>, expect: '2xx' | '3xx'): Promise<Run> {
  return loadTool === 'wrk' ? wrk(url, seconds, headers) : cannon(url, seconds, headers, expect);
}

/** One autocannon run (programmatic API); counts answers with the expected status class. */
async function cannon(url: string, seconds: number, headers: Record<string, string>, expect: '2xx' | '3xx'): Promise<Run> {
  const r: CannonResult = await withTimeout(autocannon({ url, connections: 64, duration: seconds, headers, timeout: 10 }), (seconds + 30) * 1000, `autocannon on ${url}`);
  const total = r['1xx'] + r['2xx'] + r['3xx'] + r['4xx'] + r['5xx'];
  return { rps: round(r.requests.average, 0), p99Ms: r.latency.p99, p50Ms: r.latency.p50, total, expected: r[expect], errors: r.errors, timeouts: r.timeouts };
}

/** wrk's latency figure in ms ("101.75ms", "950.00us", "1.20s"). */
function wrkMs(text: string | undefined): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text ?? '');
  if (!m) return Number.NaN;
  const v = Number(m[1]);
  return round(m[2] === 'us' ? v / 1000 : m[2] === 'ms' ? v : m[2] === 's' ? v * 1000 : v * 60_000, 3);
}

/** One wrk run (one thread, 64 connections); wrk counts 2xx and 3xx alike as good answers. */
async function wrk(url: string, seconds: number, headers: Record<string, string>): Promise<Run> {
  const args = ['-t', '1', '-c', '64', '-d', `${seconds}s`, '--timeout', '10s', '--latency'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  args.push(url);
  const { child, exited } = track('wrk', spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const code = await withTimeout(exited, (seconds + 30) * 1000, `wrk on ${url}`).finally(() => child.kill('SIGKILL'));
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const total = /(\d+) requests in/.exec(out);
  if (code !== 0 || !rps || !total) throw new Error(`wrk failed (${code}): ${out.slice(0, 500)}`);
  const bad = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const n = Number(total[1]);
  return {
    rps: round(Number(rps[1]), 0),
    p99Ms: wrkMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1]),
    p50Ms: wrkMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1]),
    total: n,
    expected: n - bad,
    errors: sock ? Number(sock[1]) + Number(sock[2]) + Number(sock[3]) : 0,
    timeouts: sock ? Number(sock[4]) : 0,
  };
}
