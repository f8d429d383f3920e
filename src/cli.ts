#!/usr/bin/env node
// The feedwright command (package bin): parses argv against the command table (src/cli/), runs
// the command and exits 0 (done), 1 (the work failed) or 2 (the command line is wrong).
import { FeedwrightError } from './core/errors.js';
import { COMMANDS } from './cli/commands.js';
import { packageVersion } from './cli/context.js';
import { describeFsError } from './folders.js';
import { commandHelp, mainHelp, parseCommandLine, UsageError } from './cli/options.js';

/** A Node file-system error (code, syscall and usually a path), as opposed to a bug. */
function isSystemError(err: unknown): err is NodeJS.ErrnoException & { syscall: string } {
  const e = err as NodeJS.ErrnoException | undefined;
  return e instanceof Error && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code) && typeof e.syscall === 'string';
}

/** Runs one command line; resolves with the exit code. Throws what a command throws (see below). */
async function main(argv: string[]): Promise<number> {
  const { command, args } = parseCommandLine(argv, COMMANDS);
  if (args.values.version === true) {
    console.log(`feedwright ${packageVersion()}`);
    return 0;
  }
  if (command === undefined || args.values.help === true) {
    process.stdout.write(command === undefined ? mainHelp(COMMANDS) : commandHelp(command));
    return 0;
  }
  return command.run(args);
}

// A reader that closes the pipe early (`feedwright compile --verbose | head`) is not an error: stop quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      // What was wrong, then where to read more: all on stderr, stdout stays for results.
      const help = err.help === undefined || err.help === '' ? 'feedwright help' : `feedwright ${err.help} --help`;
      console.error(`feedwright: ${err.message}\nSee '${help}'.`);
      process.exitCode = 2;
      return;
    }
    if (err instanceof FeedwrightError) console.error(`feedwright: ${err.message}`);
    // A file-system failure no command turned into a FeedwrightError: still one line, with the
    // call and the path, not a stack trace (a read-only disk is an operator's problem, not a bug).
    else if (isSystemError(err)) console.error(`feedwright: cannot ${err.syscall}${err.path === undefined ? '' : ` ${err.path}`}: ${describeFsError(err)}`);
    else console.error(err);
    process.exitCode = err instanceof FeedwrightError && err.code === 'USAGE' ? 2 : 1;
  },
);
