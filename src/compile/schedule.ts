// The schedule: node-cron runs the compile on the site's cron expression, never two at once. A
// tick while the previous tick's compile still runs is folded into one more run after it (the
// compiler's own folding, see Compiler.compile) and logged once per such spell as a structured
// warning; node-cron's own messages go to the service log too (its default logger writes
// coloured plain-text lines to the console, which a JSON-lines log cannot carry).
import cron, { type Logger as CronLogger } from 'node-cron';
import type { Compiler } from './compiler.js';
import type { Logger } from '../log.js';

/** True when node-cron accepts the expression. */
export function isCronExpression(expression: string): boolean {
  try {
    return cron.validate(expression);
  } catch {
    return false;
  }
}

/**
 * The schedule's period in seconds: the shortest gap between its next runs. Used for
 * Cache-Control max-age and RSS ttl, since a document cannot change faster than that.
 */
export function schedulePeriodSeconds(expression: string): number {
  const task = cron.createTask(expression, () => {});
  try {
    const runs = task.getNextRuns(8).map((d) => d.getTime());
    let gap = Number.POSITIVE_INFINITY;
    for (let i = 1; i < runs.length; i += 1) gap = Math.min(gap, (runs[i] as number) - (runs[i - 1] as number));
    return Number.isFinite(gap) ? Math.max(1, Math.round(gap / 1000)) : 60;
  } finally {
    void task.destroy();
  }
}

/**
 * node-cron's Logger interface (its per-task `logger` option, node-cron ≥ 4) writing to the
 * service log: each message one record at the same level, `component: "node-cron"`, an Error as
 * pino's `err` field. Nothing reaches the console.
 */
export function cronLogger(logger: Logger): CronLogger {
  const log = logger.child({ component: 'node-cron' });
  const withError = (level: 'error' | 'debug', message: string | Error, err?: Error) => {
    if (message instanceof Error) log[level]({ err: message }, message.message);
    else if (err !== undefined) log[level]({ err }, message);
    else log[level](message);
  };
  return {
    info: (message) => log.info(message),
    warn: (message) => log.warn(message),
    error: (message, err) => withError('error', message, err),
    debug: (message, err) => withError('debug', message, err),
  };
}

/** A running schedule. */
export interface Schedule {
  stop(): Promise<void>;
}

/**
 * Starts compiling on `expression` (cron, in the IANA `timeZone`). A tick while the previous
 * tick's compile still runs joins the compiler's one follow-up run (never a second compile at
 * once, never a queue of them) and is logged to `logger` as a warning — once per spell of
 * overlapping ticks, with `schedule`, `tick` (ISO 8601) and `component: "schedule"`; the first
 * tick that finds nothing running ends the spell (logged at info with the ticks folded).
 */
export function startSchedule(expression: string, compiler: Compiler, timeZone: string, logger: Logger): Schedule {
  const log = logger.child({ component: 'schedule' });
  /** The compile the last tick started or joined, until it settles. */
  let pending: Promise<unknown> | undefined;
  /** Ticks folded since the spell began; 0 outside a spell. */
  let folded = 0;
  const tick = (date: Date) => {
    if (pending !== undefined) {
      folded += 1;
      if (folded === 1) log.warn({ schedule: expression, tick: date.toISOString() }, 'the compile is still running at a scheduled tick: the tick is folded into one more run after it (compiles take longer than the schedule\'s period)');
      else log.debug({ schedule: expression, tick: date.toISOString(), folded }, 'tick folded into the next run');
    } else if (folded > 0) {
      log.info({ schedule: expression, tick: date.toISOString(), folded }, 'the schedule caught up: the compile finished before this tick');
      folded = 0;
    }
    const run = compiler.compile().then(
      () => undefined,
      (err: unknown) => log.error({ err }, 'scheduled compile failed'),
    );
    pending = run;
    void run.finally(() => {
      if (pending === run) pending = undefined;
    });
  };
  // The task itself returns at once: node-cron never sees a run in progress (so it neither
  // blocks nor reports an overlap); the folding above is the compiler's.
  const task = cron.schedule(expression, (context) => tick(context.date), { name: 'feedwright-compile', timezone: timeZone, logger: cronLogger(logger) });
  return {
    async stop() {
      await task.stop();
      await task.destroy();
    },
  };
}
