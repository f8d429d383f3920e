// The benchmark's plumbing, shared by bench.ts, soak.ts and their steps: paths, logging, time
// limits, child processes (spawned, logged, always killed), free ports, /proc memory figures and
// a small keep-alive HTTP client. Everything talks to 127.0.0.1 only.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (two levels above dist/bench/). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The built program. */
export const DIST = join(ROOT, 'dist');
/** The only address any benchmark traffic goes to. */
export const HOST = '127.0.0.1';

/** A JSON object as the results are built. */
export type Json = { [key: string]: unknown };

const T0 = performance.now();
let logPrefix = 'bench';

/** Names the log lines' prefix (`bench`, `soak`). */
export function setLogPrefix(prefix: string): void {
  logPrefix = prefix;
}

/** One progress line on stderr, with the seconds since start. */
export function log(line: string): void {
  process.stderr.write(`[${logPrefix} ${((performance.now() - T0) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `p`, or an Error naming `what` after `ms` milliseconds. */
export async function withTimeout<T>(p: PromiseLike<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve(p),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The median of `xs` (NaN when empty). */
export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? Number.NaN : s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** `x` rounded to `digits` decimals (non-finite values unchanged). */
export const round = (x: number, digits = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : x);

/** A fingerprint of the compiled program (names, sizes, mtimes under dist/src), to notice a rebuild mid-run. */
export function buildFingerprint(): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.js')) {
        const st = statSync(p);
        h.update(`${p}\0${st.size}\0${st.mtimeMs}\n`);
      }
    }
  };
  try {
    walk(join(DIST, 'src'));
  } catch {
    h.update('missing');
  }
  return h.digest('hex');
}

// ---- child processes ----------------------------------------------------------------------

const children = new Set<ChildProcess>();
let logDir = tmpdir();

/** Where child logs go (`<name>.log`). */
export function setLogDir(dir: string): void {
  logDir = dir;
}

/** The log file of the child named `name`. */
export const logFile = (name: string) => join(logDir, `${name}.log`);

/** A spawned child: its stdout lines (as they arrive) and its exit code. */
export interface Spawned {
  child: ChildProcess;
  lines: string[];
  /** When each line of `lines` arrived (epoch ms). */
  times: number[];
  exited: Promise<number | null>;
}

/** Spawns a node script; its output goes to a log file (and stdout lines to `lines`). Killed by killAll. */
export function spawnNode(name: string, script: string, args: string[], env: NodeJS.ProcessEnv = process.env): Spawned {
  const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return track(name, child);
}

/** Tracks a child spawned elsewhere (its output logged, killed by killAll). */
export function track(name: string, child: ChildProcess): Spawned {
  children.add(child);
  const out = createWriteStream(logFile(name), { flags: 'a' });
  const lines: string[] = [];
  const times: number[] = [];
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out.write(chunk);
    partial += chunk.toString('utf8');
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.map(logMessage));
    const now = Date.now();
    for (const _ of parts) times.push(now);
  });
  child.stderr?.on('data', (chunk: Buffer) => out.write(chunk));
  const exited = new Promise<number | null>((r) => {
    child.once('exit', (code) => {
      children.delete(child);
      if (partial !== '') {
        lines.push(logMessage(partial));
        times.push(Date.now());
      }
      out.end();
      r(code);
    });
    child.once('error', () => {
      children.delete(child);
      r(-1);
    });
  });
  return { child, lines, times, exited };
}

/** The first stdout line matching `pattern`, polled every 10 ms; throws after `ms` or if the child exits first. */
export async function waitForLine(lines: string[], pattern: RegExp, exited: Promise<number | null>, ms: number, what: string): Promise<RegExpExecArray> {
  return (await waitForLineAt({ lines, times: [], exited }, pattern, ms, what)).match;
}

/**
 * A line of a child's output as the benchmark matches it: `serve` logs JSON lines through pino on a
 * pipe (`{"level":30,"time":…,"msg":"feedwright serving …"}`), so a JSON record is read as its
 * `msg`; any other line is kept as it is.
 */
function logMessage(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const record = JSON.parse(line) as { msg?: unknown };
    return typeof record.msg === 'string' ? record.msg : line;
  } catch {
    return line;
  }
}

/** Like waitForLine, with the time the line arrived (epoch ms; NaN when `times` was not kept). */
export async function waitForLineAt(spawned: Pick<Spawned, 'lines' | 'times' | 'exited'>, pattern: RegExp, ms: number, what: string): Promise<{ match: RegExpExecArray; atEpochMs: number }> {
  const { lines, times, exited } = spawned;
  let done = false;
  void exited.then(() => (done = true));
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    for (const [i, l] of lines.entries()) {
      const match = pattern.exec(l);
      if (match) return { match, atEpochMs: times[i] ?? Number.NaN };
    }
    if (done) throw new Error(`${what} exited before printing ${pattern}`);
    await sleep(10);
  }
  throw new Error(`${what} did not print ${pattern} within ${ms / 1000} s`);
}

/** Stops a child: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
export async function stopChild(child: ChildProcess, exited: Promise<unknown>, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(t);
}

/** SIGKILLs every child still running (on exit, on a signal, after a failure). */
export function killAll(): void {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, HOST, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolvePort(port));
    });
  });
}

/** VmRSS and VmHWM (peak) of a process in MB, threads included (Linux /proc/PID/status). */
export function memoryOf(pid: number): { rssMB: number; hwmMB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMB: round(kb('VmRSS') / 1024, 1), hwmMB: round(kb('VmHWM') / 1024, 1) };
}

/**
 * What a serving process's resident memory is made of, for the report: its thread count
 * (/proc/PID/status: the render workers alive add one each) and, from its /metrics (prom-client's
 * process metrics, read with `token`), the V8 heap it has reserved and the memory held outside
 * the heap by Buffers (document bodies), in MB. A field it cannot read is NaN.
 */
export async function memoryDetailOf(pid: number, port: number, token: string): Promise<{ threads: number; v8HeapMB: number; externalMB: number }> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const threads = Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN);
  const text = (await get(port, '/metrics', { authorization: `Bearer ${token}` })).body.toString('utf8');
  const metric = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN) / 2 ** 20;
  return { threads, v8HeapMB: round(metric('feedwright_nodejs_heap_size_total_bytes'), 1), externalMB: round(metric('feedwright_nodejs_external_memory_bytes'), 1) };
}

/** CPU seconds (user + system, all threads) a process has used so far (Linux /proc/PID/stat, clock ticks of 1/100 s). */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at ") ": utime is field 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Waits until a process is idle: under 10 % of a core over a 1 s window (the background work of
 * a publish — brotli, deleting replaced bodies — done). Gives up after `ms`; returns the seconds waited.
 */
export async function waitIdle(pid: number, ms = 120_000): Promise<number> {
  const t0 = performance.now();
  let last = cpuSecondsOf(pid);
  for (;;) {
    await sleep(1000);
    const now = cpuSecondsOf(pid);
    if (now - last < 0.1 || performance.now() - t0 > ms) return round((performance.now() - t0) / 1000, 1);
    last = now;
  }
}

/**
 * Waits until a serving process has made every brotli body it owes (/healthz
 * `published.brotliPending` is 0, read with `token`: the work waits FEEDWRIGHT_BROTLI_DELAY_SECONDS
 * after each publish, when the process is idle) and is then idle (waitIdle). Gives up after `ms`;
 * returns the seconds waited.
 */
export async function waitSettled(pid: number, port: number, token: string, ms = 600_000): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const r = await get(port, '/healthz', { authorization: `Bearer ${token}` });
    const pending = (JSON.parse(r.body.toString('utf8')) as { published?: { brotliPending?: number } }).published?.brotliPending;
    if (pending === 0 || performance.now() - t0 > ms) break;
    await sleep(500);
  }
  await waitIdle(pid, Math.max(1000, ms - (performance.now() - t0)));
  return round((performance.now() - t0) / 1000, 1);
}

// ---- HTTP client --------------------------------------------------------------------------

/** The benchmark's own keep-alive agent (destroyed at the end of a run). */
export const agent = new Agent({ keepAlive: true, maxSockets: 32 });

/** One whole response. */
export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

/** One request to 127.0.0.1:`port`; rejects on a connection error or after `timeoutMs` of silence. */
export function get(port: number, path: string, headers: Record<string, string> = {}, timeoutMs = 30_000, method = 'GET', body?: string): Promise<Reply> {
  return new Promise((resolveReply, reject) => {
    const req = httpRequest({ host: HOST, port, path, method, headers, agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolveReply({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

/**
 * Runs a benchmark's `main` as the process: its exit code becomes the process's; children are
 * killed on SIGINT/SIGTERM (exit 130), on exit, and when `main` throws (exit 1). The process
 * exits a second after `main` resolves (autocannon or a keep-alive socket may hold the loop open).
 */
export function runMain(main: () => Promise<number>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
  process.once('exit', killAll);
  main().then(
    (code) => {
      process.exitCode = code;
      setTimeout(() => process.exit(code), 1000).unref();
    },
    (err: unknown) => {
      killAll();
      console.error(err);
      process.exitCode = 1;
    },
  );
}
