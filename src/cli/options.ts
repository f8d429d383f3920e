// The command line's grammar: option tables, parsing with node:util.parseArgs (strict), and the
// help text generated from the same tables. Knows nothing of what commands do (commands.ts).
import { parseArgs } from 'node:util';
import { closestMatch } from '../core/closest.js';
import { LOG_LEVELS, isLogLevel } from '../log.js';

/** One option of a table: `--name VALUE` (string) or `--name` (boolean). */
export interface OptionSpec {
  name: string;
  type: 'string' | 'boolean';
  /** A one-letter alias, e.g. `h` for `-h`. */
  short?: string;
  /** What a string option's value is, for the help text: `DIR`, `URL`. */
  value?: string;
  /** One line of help. */
  help: string;
  /**
   * A string option's rule: what is wrong with `value`, after the option's name (`"x" is not one
   * of a, b`), or undefined when it is good. A value that breaks it is a usage error (exit 2),
   * found while parsing, before the command runs. Never echo a value that may hold a secret.
   */
  check?: (value: string) => string | undefined;
}

/** What a command receives: its option values by name and its positional arguments. */
export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** A command's row in the command table. */
export interface CommandSpec {
  name: string;
  /** One line for `feedwright help`. */
  summary: string;
  /** Positional arguments for the usage line, e.g. `<file-or-url>` or `[DIR]`. */
  args?: string;
  /** Least and most positional arguments (default 0 and 0). */
  positionals?: { min: number; max: number; missing?: string };
  /** The paragraphs of `feedwright CMD --help` after the usage line. */
  description: string;
  /** The command's own options (the global ones are added to every command). */
  options: OptionSpec[];
  /** Runs the command; resolves with the exit code (0 ok, 1 failure). Throws UsageError for bad input. */
  run: (args: ParsedArgs) => Promise<number>;
}

/** A malformed command line: exit code 2, the message on stderr. */
export class UsageError extends Error {
  /** `help`: the command whose usage to show with the message ('' for the main usage). */
  constructor(message: string, readonly help?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Options every command takes. */
export const GLOBAL_OPTIONS: OptionSpec[] = [
  { name: 'data', type: 'string', value: 'DIR', help: 'the data folder (site.json, articles/, feedwright.db); default: FEEDWRIGHT_DATA or ./data' },
  {
    name: 'database-url',
    type: 'string',
    value: 'URL',
    help: 'keep the store in PostgreSQL (postgres://…) so several instances can share it; default: DATABASE_URL (unset: the SQLite file)',
    // The value is not repeated: it may hold a password.
    check: (v) => (v === '' || /^postgres(ql)?:\/\//.test(v) ? undefined : 'must be a postgres:// or postgresql:// URL (the SQLite file needs none)'),
  },
  {
    name: 'log-level',
    type: 'string',
    value: 'LEVEL',
    help: 'trace, debug, info, warn, error, fatal or silent; default: LOG_LEVEL or info (JSON lines on a pipe or file, readable lines on a terminal)',
    // As config.ts logLevelFrom reads it: any case, spaces around ignored.
    check: (v) => (isLogLevel(v.trim().toLowerCase()) ? undefined : `${JSON.stringify(v)} is not one of ${LOG_LEVELS.join(', ')}`),
  },
  { name: 'help', type: 'boolean', short: 'h', help: 'show help for a command' },
  { name: 'version', type: 'boolean', help: 'print the version of feedwright' },
];

type ParseConfig = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

function tableOf(specs: OptionSpec[]): NonNullable<ParseConfig> {
  const table: NonNullable<ParseConfig> = {};
  for (const o of specs) table[o.name] = { type: o.type, ...(o.short === undefined ? {} : { short: o.short }) };
  return table;
}

/**
 * The ` (did you mean …?)` for an unknown option, or '': for `--long`, the closest option name
 * (`--verison` → `--version`); for a short `-x`, every long option starting with that letter
 * (`-v` → `--verbose or --version` for compile, `--version` elsewhere), as most tools spell
 * `-v` for what this command line calls `--version` or `--verbose`.
 */
function suggestOption(option: string, specs: OptionSpec[]): string {
  if (option.startsWith('--')) {
    const near = closestMatch(option.slice(2).split('=')[0] as string, specs.map((s) => s.name));
    return near === undefined ? '' : ` (did you mean --${near}?)`;
  }
  const letter = option.slice(1, 2).toLowerCase();
  if (option.length !== 2 || !/[a-z]/.test(letter)) return '';
  const names = [...new Set(specs.filter((s) => s.name.startsWith(letter)).map((s) => `--${s.name}`))].sort();
  return names.length === 0 ? '' : ` (did you mean ${names.join(' or ')}?)`;
}

/** Turns parseArgs' errors (`Unknown option '--bogus'. To specify …`) into a UsageError naming the option. */
function usageErrorOf(err: unknown, specs: OptionSpec[], command: string): UsageError {
  const e = err as { code?: string; message: string };
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(e.message)?.[1] ?? '?';
    return new UsageError(`unknown option ${option}${command ? ` for ${command}` : ''}${suggestOption(option, specs)}`, command);
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = /'(-[^' ]+)/.exec(e.message)?.[1] ?? '';
    const spec = specs.find((s) => `--${s.name}` === option || `-${s.short}` === option);
    if (spec?.type === 'string') return new UsageError(`${option} needs a value (${option} ${spec.value ?? 'VALUE'})`, command);
    return new UsageError(`${option} takes no value`, command);
  }
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return new UsageError(e.message, command);
  return new UsageError(e.message, command);
}

/**
 * Splits argv into the command and its arguments, strictly: an option the command's table and
 * the global table do not list, a missing value, a value its `check` refuses, or too many or
 * too few positional arguments throws a UsageError naming it. Options may come before the command (`--data DIR compile`).
 * Returns `command: ''` when argv names none (`feedwright`, `feedwright --version`).
 */
export function parseCommandLine(argv: string[], commands: readonly CommandSpec[]): { command: CommandSpec | undefined; name: string; args: ParsedArgs } {
  // A first, lenient pass finds the command word: the first positional that is not an option's value.
  const every = [...GLOBAL_OPTIONS, ...commands.flatMap((c) => c.options)];
  const { tokens } = parseArgs({ args: argv, options: tableOf(every), strict: false, allowPositionals: true, tokens: true });
  const word = tokens.find((t) => t.kind === 'positional');
  const name = word?.kind === 'positional' ? word.value : '';
  const rest = word === undefined ? argv : argv.filter((_, i) => i !== word.index);
  const command = commands.find((c) => c.name === name);
  if (name !== '' && command === undefined) {
    const near = closestMatch(name, commands.map((c) => c.name));
    throw new UsageError(`unknown command "${name}"${near === undefined ? '' : ` (did you mean "${near}"?)`}`, '');
  }
  const specs = [...(command?.options ?? []), ...GLOBAL_OPTIONS];
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options: tableOf(specs), strict: true, allowPositionals: true }) as typeof parsed;
  } catch (err) {
    throw usageErrorOf(err, specs, name);
  }
  for (const spec of specs) {
    const value = parsed.values[spec.name];
    const wrong = spec.check !== undefined && typeof value === 'string' ? spec.check(value) : undefined;
    if (wrong !== undefined) throw new UsageError(`--${spec.name} ${wrong}`, name);
  }
  if (parsed.values.help === true || parsed.values.version === true) return { command, name, args: parsed };
  const { min, max, missing } = command?.positionals ?? { min: 0, max: 0 };
  if (parsed.positionals.length > max) throw new UsageError(`unexpected argument ${parsed.positionals[max] as string}`, name);
  if (parsed.positionals.length < min) throw new UsageError(missing ?? `${name} needs ${command?.args ?? 'an argument'}`, name);
  return { command, name, args: parsed };
}

function optionLines(specs: OptionSpec[]): string {
  const left = specs.map((o) => `${o.short === undefined ? '    ' : `-${o.short}, `}--${o.name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`);
  const width = Math.max(...left.map((l) => l.length)) + 2;
  return specs.map((o, i) => `  ${(left[i] as string).padEnd(width)}${o.help}`).join('\n');
}

/** The main help: usage, every command's summary, the global options. */
export function mainHelp(commands: readonly CommandSpec[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return `feedwright: compiles articles into RSS 2.0, Atom 1.0 and JSON Feed 1.1 and serves them.

Usage: feedwright <command> [options]
       feedwright help <command>

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}

Options:
${optionLines(GLOBAL_OPTIONS)}

Exit codes: 0 done, 1 the work failed, 2 the command line is wrong.
`;
}

/** One command's help: its usage line, description, own options and the global ones. */
export function commandHelp(command: CommandSpec): string {
  const own = command.options.length > 0 ? `\nOptions:\n${optionLines(command.options)}\n` : '';
  return `Usage: feedwright ${command.name}${command.args === undefined ? '' : ` ${command.args}`} [options]

${command.description.trimEnd()}
${own}
Global options:
${optionLines(GLOBAL_OPTIONS)}
`;
}
