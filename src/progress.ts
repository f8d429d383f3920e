// Progress of long command-line work on stderr. On a terminal: a cli-progress bar (label, bar,
// count, percentage, time left) for each step, shown only once the command has run for
// TTY_DELAY_MS (its whole run: a compile whose steps each take under two seconds still gets its
// bar once it has run two), so a short command prints nothing. On a pipe or a log file: a line at
// each tenth of a step's work (the count that reaches it, whatever the size of the caller's
// batches), and only for work of 100 units or more, so a short run (or a test reading stderr)
// sees nothing.
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
  /** A command that has run less than this many milliseconds shows no bar on a terminal (default 2000). */
  delayMs?: number;
  /** When the command started, on `clock` (default: when the reporter is made). */
  start?: number;
}

/** A reporter: `report(label, done, total, pipeMinTotal?)` as work advances, `end()` when it is over. */
export interface ProgressReporter {
  report: (label: string, done: number, total: number, pipeMinTotal?: number) => void;
  end: () => void;
}

/** Below this many units, a pipe gets no progress lines. */
const PIPE_MIN_TOTAL = 100;
/** A command that ends sooner shows no bar on a terminal. */
const TTY_DELAY_MS = 2000;

/** The count at which `done` reaches the `k`-th tenth of `total` (the least with done × 10 ≥ k × total). */
function tenthMark(k: number, total: number): number {
  return Math.ceil((k * total) / 10);
}

/**
 * A reporter for one kind of work at a time, e.g. `progressReporter(process.stderr).report('rendering feeds', 40, 993)`;
 * make it when the command starts (or give `start`): the terminal's delay counts from then.
 * `pipeMinTotal` (default 100) is the least work a pipe hears of.
 * `done` and `total` are counts (files, feeds, items, megabytes); a new label ends the previous
 * label's bar; `end()` stops the bar (its timer keeps the process alive until then: call it in a
 * `finally`). Never throws (a closed stream is the caller's concern).
 */
export function progressReporter(stream: ProgressStream, options: ProgressOptions = {}): ProgressReporter {
  const tty = stream.isTTY === true;
  const clock = options.clock ?? Date.now;
  const delayMs = options.delayMs ?? TTY_DELAY_MS;
  const start = options.start ?? clock();
  /** Per label, the tenths a pipe has had a line for (0: none yet). */
  let tenthsSaid = new Map<string, number>();
  // The terminal's work in progress: its label, and its bar once shown.
  let current: { label: string; bar?: cliProgress.SingleBar } | undefined;
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
          current = { label };
        }
        if (current.bar === undefined) {
          if (clock() - start < delayMs) return;
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
      // Every tenth reached since the last line gets its own, naming the count that reaches it:
      // a caller's batches (200 files at a time) neither hide a tenth nor print between them.
      const reached = Math.min(10, Math.floor((done * 10) / total));
      const said = tenthsSaid.get(label) ?? 0;
      if (reached <= said) return;
      let text = '';
      for (let k = said + 1; k <= reached; k += 1) text += `${label} ${tenthMark(k, total)}/${total}\n`;
      tenthsSaid.set(label, reached);
      stream.write(text);
    },
    end() {
      stopBar();
      tenthsSaid = new Map();
    },
  };
}
