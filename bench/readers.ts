// The readers' latency under compiles (issue 10): an open-loop load at a fixed rate over 256
// keep-alive connections against `feedwright serve`, (1) while it re-renders every feed after a
// settings change, (2) with no compile, same server, once it is idle, and (3) while an API client
// writes every 250 ms. Shared by the benchmark (after its compile figures) and the soak.
import { startApiWriter } from './api-writer.js';
import { fullRerender, type FullRerender } from './compile-figures.js';
import { describe, requestMix, runOpenLoop, startOpenLoop, summaryJson, windowStats, type MixRequest, type OpenLoopRun } from './open-loop-run.js';
import { log, round, waitSettled, type Json } from './plumbing.js';
import type { Serving } from './serve-steps.js';

/** How the readers run. */
export interface ReadersOptions {
  /** Requests a second (2,000 for the figures). */
  rate: number;
  connections: number;
  /** Length of the no-compile and under-writes runs, s. */
  seconds: number;
  /** Documents in the mix. */
  documents: number;
  /** The Host of each served origin (the mix spreads over them). */
  hosts: string[];
  /** The API token the server was started with. */
  token: string;
  /** Where the generator's spec and samples go. */
  workDir: string;
}

/**
 * Open-loop readers while an API client writes every 250 ms through PUT/DELETE /api/articles,
 * for `seconds`; the server must have the API on with `options.token`. Resolves with the
 * generator's figures (`p99Ms`, `maxMs`, rates, errors) and the writer's.
 */
export async function readersUnderWrites(port: number, mix: MixRequest[], options: ReadersOptions, name = 'readers-under-writes'): Promise<Json> {
  const writer = startApiWriter(port, options.token, `${name}-${Date.now()}`, 250);
  let run: OpenLoopRun;
  try {
    run = await runOpenLoop(name, options.workDir, { port, rate: options.rate, connections: options.connections, seconds: options.seconds, requests: mix });
  } catch (err) {
    await writer.stop();
    throw err;
  }
  const writes = await writer.stop();
  log(`   under writes: ${describe(run)}; API: ${writes.writes} writes, ${writes.deletes} removals, ${writes.errors} errors`);
  return { ...summaryJson(run), writes };
}

/**
 * The readers' figures of the benchmark: restarts serve with settings `revision` (a full
 * re-render) with readers running from the moment it listens until 2 s after the publish (at
 * most 4 × `expectedCompileSeconds` + 30 s, 300 s; `mixBefore` built on the server before the
 * restart), then — once the server is idle —
 * the same load with no compile, then the load under API writes. Returns the results (under
 * `serve.*`) and the server, still running, with the re-render's figures.
 */
export async function readersFigures(dir: string, revision: number, expectedCompileSeconds: number, mixBefore: MixRequest[], options: ReadersOptions, env: NodeJS.ProcessEnv): Promise<{ serve: Json; rerender: FullRerender }> {
  const seconds = Math.min(300, Math.ceil(expectedCompileSeconds * 4 + 30));
  let during: ReturnType<typeof startOpenLoop> | undefined;
  // The mix was built on the server before the restart (the restored set's validators): the
  // load starts the moment the new server answers, while the compile has just begun, and stops
  // 2 s after the publish.
  const rerender = await fullRerender(dir, 'serve-readers', 1, revision, env, {
    onListening: async (s: Serving) => {
      during = startOpenLoop('readers-during-full-compile', options.workDir, { port: s.port, rate: options.rate, connections: options.connections, seconds, requests: mixBefore });
      await during.result;
    },
    onPublished: () => void setTimeout(() => during?.stop(), 2000),
  });
  const duringRun = await (during as unknown as ReturnType<typeof startOpenLoop>).result;
  const start = duringRun.summary.startEpochMs;
  const end = Math.min(rerender.publishedAtEpochMs, start + seconds * 1000);
  const window = windowStats(duringRun, start, end);
  log(`   during the full re-render (${rerender.compileSeconds} s compile, ${round((end - start) / 1000, 1)} s of it under load): window p99 ${window.p99Ms} ms, max ${window.maxMs} ms over ${window.requests} requests; whole run: ${describe(duringRun)}`);
  const idle = await waitSettled(rerender.serving.child.pid as number, rerender.serving.port, options.token);
  log(`   server idle after ${idle} s; the same load with no compile`);
  // The same mix, fresh validators: the documents changed with the settings.
  const mix = await requestMix(rerender.serving.port, options.hosts, options.documents);
  const quietSeconds = options.seconds;
  const quiet = await runOpenLoop('readers-no-compile', options.workDir, { port: rerender.serving.port, rate: options.rate, connections: options.connections, seconds: quietSeconds, requests: mix });
  log(`   no compile: ${describe(quiet)}`);
  const underWrites = await readersUnderWrites(rerender.serving.port, mix, options);
  // The whole run counts, up to 2 s after the publish: a stall around the publish (the manifest
  // written, the old bodies deleted) is the re-render's doing, and requests scheduled during it
  // but after the publish instant must not be left out. The strict window (up to the publish)
  // is kept beside it.
  const ratio = round(duringRun.summary.latency.p99Ms / quiet.summary.latency.p99Ms, 3);
  return {
    rerender,
    serve: {
      readers: { documents: mix.length / 2, rate: options.rate, connections: options.connections },
      duringFullCompile: {
        p99Ratio: ratio,
        windowSeconds: round((end - start) / 1000, 1),
        windowRequests: window.requests,
        windowErrors: window.errors,
        windowP50Ms: window.p50Ms,
        windowP99Ms: window.p99Ms,
        windowMaxMs: window.maxMs,
        compileOutlastedLoad: rerender.publishedAtEpochMs > start + seconds * 1000,
        ...summaryJson(duringRun),
      },
      noCompile: summaryJson(quiet),
      underWrites,
    },
  };
}
