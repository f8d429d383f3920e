// `feedwright serve`: the service on PORT and HOST until SIGTERM or SIGINT, on one machine or as
// an instance of a PostgreSQL cluster. A port that cannot be opened is one fatal log record and
// exit 1. Every line serve writes once its logger exists goes through that logger (JSON lines on a
// pipe or file); only a command line or configuration refused before it exists is plain stderr.
import { loadSiteConfig } from '../config.js';
import { createService } from '../service.js';
import { clusterService, observability, runtimeOf, storage } from './context.js';
import { lineLog, type Logger } from '../log.js';
import { hostPort, listeningUrl } from '../core/host-port.js';
import type { ParsedArgs } from './options.js';
import { count } from '../core/plural.js';

/** Why a listen failed, in a few words, for the errors an operator can fix; undefined for others. */
const LISTEN_FAULTS: Record<string, string> = {
  EADDRINUSE: 'address already in use (another process listens there: stop it, or set PORT)',
  EACCES: 'permission denied (ports below 1024 need privileges: use a higher PORT behind a proxy)',
  EADDRNOTAVAIL: 'address not available (HOST is not an address of this machine)',
  ENOTFOUND: 'host not found (HOST is neither an address nor a name that resolves)',
  EAI_AGAIN: 'host name could not be resolved now (HOST: a DNS failure)',
  EAI_FAIL: 'host not found (HOST is neither an address nor a name that resolves)',
};

/**
 * The one line `serve` prints when it cannot listen, e.g. `cannot listen on 127.0.0.1:3000:
 * address already in use (…)` (an IPv6 host in brackets, `[::1]:3000`: see hostPort); undefined
 * when `err` is not such a failure (a bug, re-thrown).
 */
export function listenFailure(err: unknown, host: string, port: number): string | undefined {
  const reason = LISTEN_FAULTS[(err as NodeJS.ErrnoException | undefined)?.code ?? ''];
  return reason === undefined ? undefined : `cannot listen on ${hostPort(host, port)}: ${reason}`;
}

/** Runs until SIGTERM or SIGINT, then closes `close` and resolves. */
function untilStopped(close: () => Promise<void>, logger: Logger): { stopped: Promise<void>; stopping: () => boolean } {
  let stopping = false;
  const stopped = new Promise<void>((resolveStop) => {
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info(`${signal}: finishing requests in flight and stopping`);
      void close().then(resolveStop);
    };
    // `on`, not `once`: a second signal while stopping is ignored rather than left to Node's
    // default (exit by the signal, counts unflushed). Ctrl-C under `npm start` delivers SIGINT
    // twice (from the terminal to the process group, and forwarded by npm).
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
  return { stopped, stopping: () => stopping };
}

/**
 * Listens with `listen`; when the port cannot be opened, logs one `fatal` record to the service log (`msg` the listenFailure line; `host`, `port`, `code`)
 * then closes what was opened (`close`) and resolves undefined (the command exits 1). Other errors are thrown.
 */
async function listenOrSay(listen: () => Promise<number>, close: () => Promise<void>, host: string, port: number, logger: Logger): Promise<number | undefined> {
  try {
    return await listen();
  } catch (err) {
    const line = listenFailure(err, host, port);
    if (line === undefined) throw err;
    // Said before closing: the record is written even if closing does not finish.
    logger.fatal({ host, port, code: (err as NodeJS.ErrnoException).code }, line);
    await close().catch(() => {});
    return undefined;
  }
}

/** `feedwright serve`: resolves 0 after a signal stopped it, 1 when it could not listen. */
export async function runServe(args: ParsedArgs): Promise<number> {
  const runtime = runtimeOf(args);
  const site = loadSiteConfig(runtime.dataDir, process.env);
  const obs = observability(runtime);
  const { logger } = obs;
  const log = lineLog(logger);
  const databaseUrl = runtime.databaseUrl;
  if (databaseUrl !== undefined) {
    const cluster = await clusterService({ ...runtime, databaseUrl }, site, true, log, true, obs);
    const port = await listenOrSay(() => cluster.listen(runtime.port, runtime.host), () => cluster.close(), runtime.host, runtime.port, logger);
    if (port === undefined) return 1;
    const served = cluster.node.current();
    logger.info(`feedwright serving ${site.title} on ${listeningUrl(runtime.host, port)} (data: ${runtime.dataDir}, PostgreSQL cluster, ${served ? `published set with ${count(served.documents.size, 'document')}` : 'no published set yet'})`);
    await untilStopped(() => cluster.close(), logger).stopped;
    return 0;
  }
  const service = createService({ site, ...storage(runtime), articlesDir: runtime.articlesDir, publicDir: runtime.publicDir, log, ...obs, ...(runtime.apiToken ? { apiToken: runtime.apiToken } : {}) });
  const port = await listenOrSay(() => service.listen(runtime.port, runtime.host), () => service.close(), runtime.host, runtime.port, logger);
  if (port === undefined) return 1;
  logger.info(`feedwright serving ${site.title} on ${listeningUrl(runtime.host, port)} (data: ${runtime.dataDir}, schedule "${site.schedule}")`);
  // Signals are handled from the moment the port is open: a deploy's SIGTERM during the first
  // (possibly full) compile finishes requests in flight and exits 0 like any other.
  const { stopped, stopping } = untilStopped(() => service.close(), logger);
  const first = await service.compiler.compile().catch((err: unknown) => ({ published: false, error: (err as Error).message }));
  const serving = service.compiler.current();
  // compile() reports the last of back-to-back runs (a schedule tick during it is folded in), so
  // this line says what is served rather than what one run did.
  if (stopping()) {
    // stopping: say nothing more
  } else if (serving) logger.info(`first compile done: serving ${count(serving.feeds.length, 'feed')} from ${count(serving.articles, 'article')} (set ${serving.generation})`);
  else logger.warn(`first compile did not publish (${first.error ?? 'see above'}); the next scheduled compile tries again`);
  await stopped;
  return 0;
}
