// The service's structured log (pino): one JSON object a line when the output is a pipe or a
// file (what systemd's journal, a container runtime or a log shipper reads), pino-pretty's
// human-readable lines when it is a terminal. Levels trace < debug < info < warn < error < fatal
// (pino's numbers 10–60); `silent` logs nothing. The level comes from `--log-level` or LOG_LEVEL
// (see logLevelFrom in config.ts); this module reads neither argv nor the environment.
import { Writable } from 'node:stream';
import { pino, type Logger as PinoLogger } from 'pino';
import PinoPretty from 'pino-pretty';

/** A logger: `logger.info({ field: 1 }, 'message')`, `logger.child({ component })`, … (pino's API). */
export type Logger = PinoLogger;

/** The levels, least severe first; `silent` turns the log off. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** One of LOG_LEVELS. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** True when `value` names a level (LOG_LEVELS, lower case). */
export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** How a logger is made. */
export interface LoggerOptions {
  /** The least severe level written (default `info`). */
  level?: LogLevel;
  /**
   * Where lines go: file descriptor 1 (stdout, the default) or 2 (stderr), a file appended to
   * (`{ file }`, its folder made if missing), or a writable stream (tests capture lines this
   * way). Descriptors and files are written synchronously, so nothing logged before an exit is lost.
   */
  destination?: 1 | 2 | { file: string } | NodeJS.WritableStream;
  /**
   * Human-readable lines (pino-pretty, coloured) instead of JSON; default: when the destination
   * is a descriptor that is a terminal (`isatty`).
   */
  pretty?: boolean;
}

/**
 * Creates a logger. JSON lines carry `level` (number), `time` (epoch ms), `msg` and the fields
 * given; never pass secrets as fields (tokens, passwords, database URLs).
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const dest = options.destination ?? 1;
  const tty = dest === 1 ? process.stdout.isTTY === true : dest === 2 ? process.stderr.isTTY === true : false;
  const base = { level, base: null, formatters: { bindings: () => ({}) } } as const;
  if (options.pretty ?? tty) {
    return pino(base, PinoPretty({ destination: typeof dest === 'number' ? dest : 'file' in dest && typeof dest.file === 'string' ? dest.file : (dest as Writable), sync: true, colorize: tty, translateTime: 'SYS:standard', ignore: 'pid,hostname' }));
  }
  if (typeof dest === 'number') return pino(base, pino.destination({ dest, sync: true }));
  if ('file' in dest && typeof dest.file === 'string') return pino(base, pino.destination({ dest: dest.file, append: true, mkdir: true, sync: true }));
  return pino(base, dest as NodeJS.WritableStream);
}

/** A logger that writes nothing (the default of services built without one, e.g. in tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * Adapts a logger to the `(line: string) => void` log functions of the store, compiler and
 * cluster modules: each line is one record at `level` (default `info`) with the line as `msg`.
 */
export function lineLog(logger: Logger, level: 'info' | 'warn' | 'error' = 'info'): (line: string) => void {
  return (line) => logger[level](line);
}

/**
 * A writable stream that keeps every line written to it (test support and in-process checks):
 * `lines()` gives each JSON line parsed.
 */
export function createMemoryLogStream(): Writable & { lines(): Record<string, unknown>[] } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  }) as Writable & { lines(): Record<string, unknown>[] };
  stream.lines = () => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
  return stream;
}
