// Progress of long command-line work on stderr: one line rewritten in place on a terminal; on a
// pipe or a log file, a line at each tenth of the work, and only for work of 100 units or more,
// so a short run (or a test reading stderr) sees nothing.

/** Where progress goes: a stream with an optional `isTTY` (process.stderr). */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** Below this many units, a pipe gets no progress lines. */
const PIPE_MIN_TOTAL = 100;

/**
 * A reporter for one kind of work, e.g. `progressReporter(process.stderr).report('rendering feeds', 40, 993)`;
 * `pipeMinTotal` (default 100) is the least work a pipe hears of.
 * `done` and `total` are counts (files, feeds, items); `end()` finishes a terminal's line.
 * Never throws (a closed stream is the caller's concern).
 */
export function progressReporter(stream: ProgressStream): { report: (label: string, done: number, total: number, pipeMinTotal?: number) => void; end: () => void } {
  const tty = stream.isTTY === true;
  let open = false;
  let lastTenth = new Map<string, number>();
  return {
    report(label, done, total, pipeMinTotal = PIPE_MIN_TOTAL) {
      if (total <= 0) return;
      if (tty) {
        stream.write(`\r${label} ${done}/${total}\u001b[K`);
        open = true;
        return;
      }
      if (total < pipeMinTotal) return;
      const tenth = Math.floor((done * 10) / total);
      if (tenth === (lastTenth.get(label) ?? -1)) return;
      lastTenth.set(label, tenth);
      stream.write(`${label} ${done}/${total}\n`);
    },
    end() {
      if (open) stream.write('\n');
      open = false;
      lastTenth = new Map();
    },
  };
}
