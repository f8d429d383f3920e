// The schedule: node-cron runs the compile on the site's cron expression, never two at once.
import cron from 'node-cron';
import type { Compiler } from './compiler.js';

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

/** A running schedule. */
export interface Schedule {
  stop(): Promise<void>;
}

/** Starts compiling on the expression; a tick while a compile runs is folded into it. */
export function startSchedule(expression: string, compiler: Compiler, timeZone: string): Schedule {
  const task = cron.schedule(expression, async () => {
    await compiler.compile();
  }, { name: 'feedwright-compile', timezone: timeZone, noOverlap: true });
  return {
    async stop() {
      await task.stop();
      await task.destroy();
    },
  };
}
