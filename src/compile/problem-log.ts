// Article file problems in the log once: a compile reports every broken file on every run (they
// stay skipped until fixed), but the log hears of a file's problem only when it appears or
// changes, and once more when it clears — not on every compile.
import { formatProblem, type SourceProblem } from './source-files.js';

/** Remembers the problems last logged, by file. */
export interface ProblemLog {
  /**
   * Takes the full list of current problems (a sync's `problems`) and logs, through `log`: each
   * file whose problem is new or differs from the one last logged (`skipped <file>: <fields>`),
   * and each file logged before that has no problem now (`<file>: no longer skipped`). Memory:
   * one entry per file with a problem now.
   */
  report(problems: readonly SourceProblem[]): void;
}

/** The problem's identity: its code, message and every field problem. */
function signature(p: SourceProblem): string {
  return JSON.stringify([p.code, p.message, p.problems]);
}

/** Creates a problem log writing `skipped …` lines (warnings) and `… no longer skipped` lines. */
export function createProblemLog(log: { warn: (line: string) => void; info: (line: string) => void }): ProblemLog {
  let logged = new Map<string, string>();
  return {
    report(problems) {
      const now = new Map<string, string>();
      for (const p of problems) {
        const sig = signature(p);
        now.set(p.file, sig);
        if (logged.get(p.file) !== sig) log.warn(`skipped ${formatProblem(p)}`);
      }
      for (const file of logged.keys()) if (!now.has(file)) log.info(`${file}: no longer skipped (fixed or removed)`);
      logged = now;
    },
  };
}
