// Test support: the built command line run as a child process, the way an operator runs it,
// with an environment that inherits nothing that would point it elsewhere.
import { spawnSync } from 'node:child_process';
import { builtCli, ROOT } from './paths.js';

/** What a finished run printed and how it exited. */
export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for assertion messages. */
  all: string;
}

/** The caller's environment without FEEDWRIGHT_DATA, DATABASE_URL, PORT or HOST, plus `extra`. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['FEEDWRIGHT_DATA', 'DATABASE_URL', 'PORT', 'HOST', 'FEEDWRIGHT_ORIGIN', 'FEEDWRIGHT_ALTERNATE_ORIGINS', 'FEEDWRIGHT_SCHEDULE', 'FEEDWRIGHT_BEHIND_PROXY']) delete env[name];
  return { ...env, ...extra };
}

/**
 * Runs `node dist/src/cli.js ...args` to completion (at most `timeoutMs`, default 120 s; a run
 * killed by the timeout has status null). Throws when the process cannot be started.
 */
export function runCli(args: string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): CliRun {
  const r = spawnSync(process.execPath, [builtCli(), ...args], { cwd: options.cwd ?? ROOT, env: cliEnv(options.env), encoding: 'utf8', timeout: options.timeoutMs ?? 120_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, all: `${r.stdout}\n${r.stderr}` };
}
