// Progress of long command-line work on stderr. On a terminal: a cli-progress bar (label, bar,
// count, percentage, time left), shown only once the work has lasted TTY_DELAY_MS, so a short
// run prints nothing. On a pipe or a log file: a line at each tenth of the work, and only for
// work of 100 units or more, so a short run (or a test reading stderr) sees nothing.
import cliProgress from 'cli-progress';

/** Where progress goes: a stream with an optional `isTTY` and `columns` (process.stderr). */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

/** How a reporter tells time and how long work runs before a terminal sees a bar. */
export interface ProgressOptions {
  /** Milliseconds since some origin (default Date.now). */
  clock?: () => number;
  /** Work shorter than this many milliseconds shows no bar on a terminal (default 2000). */
  delayMs?: number;
}

/** A reporter: `report(label, done, total, pipeMinTotal?)` as work advances, `end()` when it is over. */
export interface ProgressReporter {
  report: (label: string, done: number, total: number, pipeMinTotal?: number) => void;
  end: () => void;
}

/** Below this many units, a pipe gets no progress lines. */
const PIPE_MIN_TOTAL = 100;
/** Work that ends sooner shows no bar on a terminal. */
const TTY_DELAY_MS = 2000;

/**
 * A reporter for one kind of work at a time, e.g. `progressReporter(process.stderr).report('rendering feeds', 40, 993)`;
 * `pipeMinTotal` (default 100) is the least work a pipe hears of.
 * `done` and `total` are counts (files, feeds, items, megabytes); a new label ends the previous
 * label's bar; `end()` stops the bar (its timer keeps the process alive until then: call it in a
 * `finally`). Never throws (a closed stream is the caller's concern).
 */
export function progressReporter(stream: ProgressStream, options: ProgressOptions = {}): ProgressReporter {
  const tty = stream.isTTY === true;
  const clock = options.clock ?? Date.now;
  const delayMs = options.delayMs ?? TTY_DELAY_MS;
  let lastTenth = new Map<string, number>();
  // The terminal's work in progress: its label, when it began, and its bar once shown.
  let current: { label: string; since: number; bar?: cliProgress.SingleBar } | undefined;
  const stopBar = () => {
    current?.bar?.stop();
    current = undefined;
  };
  return {
    report(label, done, total, pipeMinTotal = PIPE_MIN_TOTAL) {
      if (total <= 0) return;
      if (tty) {
        if (current?.label !== label) {
          stopBar();
          current = { label, since: clock() };
        }
        if (current.bar === undefined) {
          if (clock() - current.since < delayMs) return;
          current.bar = new cliProgress.SingleBar(
            {
              stream: stream as unknown as NodeJS.WritableStream,
              format: `${label} [{bar}] {value}/{total} {percentage}% | {eta_formatted} left`,
              barsize: 24,
              hideCursor: false,
              clearOnComplete: false,
              etaBuffer: 50,
            },
            cliProgress.Presets.legacy,
          );
          current.bar.start(total, done);
          return;
        }
        current.bar.setTotal(total);
        current.bar.update(done);
        return;
      }
      if (total < pipeMinTotal) return;
      const tenth = Math.floor((done * 10) / total);
      if (tenth === (lastTenth.get(label) ?? -1)) return;
      lastTenth.set(label, tenth);
      stream.write(`${label} ${done}/${total}\n`);
    },
    end() {
      stopBar();
      lastTenth = new Map();
    },
  };
}
