// Test support: `feedwright serve` as its own process (dist/src/cli.js, as an operator or systemd
// runs it) on a free loopback port, ready once its first compile has published.
import { spawn, type ChildProcess } from 'node:child_process';
import { builtCli } from './paths.js';

/** A running `feedwright serve` process. */
export interface ServeProcess {
  child: ChildProcess;
  port: number;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** What it wrote to stdout alone (the log). */
  stdout(): string;
  /** What it wrote to stderr alone (nothing, once it runs: every line goes through the log). */
  stderr(): string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts `feedwright serve --data DIR` with PORT=0 and HOST=127.0.0.1 (plus `env`) and resolves
 * once it logged its port and its first compile ("first compile done"); rejects with its output
 * when it exits first.
 */
export function startServeProcess(dataDir: string, env: Record<string, string> = {}): Promise<ServeProcess> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['FEEDWRIGHT_DATA', 'DATABASE_URL', 'FEEDWRIGHT_API_TOKEN', 'FEEDWRIGHT_API_TOKEN_FILE', 'FEEDWRIGHT_ORIGIN', 'FEEDWRIGHT_ALTERNATE_ORIGINS', 'FEEDWRIGHT_SCHEDULE', 'FEEDWRIGHT_BEHIND_PROXY']) delete base[name];
  const child = spawn(process.execPath, [builtCli(), 'serve', '--data', dataDir], { env: { ...base, PORT: '0', HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  let out = '';
  let err = '';
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolveStart, reject) => {
    let port: number | undefined;
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      // The listening line's URL: `http://127.0.0.1:PORT/`, or `http://[::1]:PORT/` with HOST=::1.
      port ??= Number(/ on http:\/\/(?:[^/\s[\]:]+|\[[^\]\s]+\]):(\d+)\//.exec(text)?.[1] ?? Number.NaN) || undefined;
      if (port !== undefined && text.includes('first compile done')) resolveStart({ child, port, output: () => text, stdout: () => out, stderr: () => err, stop });
      if (text.includes('first compile did not publish')) {
        void stop();
        reject(new Error(`feedwright serve did not publish:\n${text}`));
      }
    };
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      onData(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
      onData(chunk);
    });
    child.once('exit', (code, signal) => reject(new Error(`feedwright serve exited (${code ?? signal}) before serving:\n${text}`)));
  });
}
