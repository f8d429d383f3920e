#!/usr/bin/env node
// `npm start`: runs the built command line (dist/src/cli.js) with the arguments given — `serve`
// from package.json — building it first only when dist/ is missing or older than the sources and
// TypeScript is installed (scripts/build-state.mjs decides). So a built tree starts at once, also
// after `npm ci --omit=dev`, and `npm install && npm start` on a fresh clone still builds.
// Plain JavaScript on purpose: it runs before anything is compiled.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { decideStart, readBuildState } from './build-state.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const state = readBuildState(ROOT);
const decision = decideStart(state);
if (decision.action === 'fail') {
  process.stderr.write(`npm start: ${decision.reason}\n`);
  process.exit(1);
}
if (decision.action === 'run-stale') process.stderr.write(`npm start: ${decision.reason}\n`);
if (decision.action === 'build') {
  process.stderr.write(`npm start: building (${decision.reason})\n`);
  const build = spawnSync(process.execPath, [state.compiler, '-b', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) {
    process.stderr.write('npm start: the build failed (see above)\n');
    process.exit(build.status ?? 1);
  }
}
// Under npm: stop like a SIGTERM if npm goes away. package.json's `exec` makes this process the
// one npm starts, so npm's forwarded SIGTERM/SIGINT reach the server directly; but an npm that
// dies without forwarding (SIGKILL, a crash) or a script shell that is not a POSIX sh would leave
// the server orphaned, serving with its port taken and its counts unflushed. A change of parent
// process is that: the server takes its SIGTERM path (finish requests, flush, exit 0).
if (process.env.npm_lifecycle_event !== undefined && process.platform !== 'win32') {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    process.stderr.write(`npm start: the parent process (${parent}) is gone; stopping\n`);
    process.kill(process.pid, 'SIGTERM');
  }, 500);
  watch.unref();
}
// In this process, so signals (SIGTERM from systemd or a deploy) reach the server directly; the
// CLI reads its arguments from process.argv.slice(2), which are ours.
await import(pathToFileURL(resolve(ROOT, 'dist', 'src', 'cli.js')).href);
