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
// In this process, so signals (SIGTERM from systemd or a deploy) reach the server directly; the
// CLI reads its arguments from process.argv.slice(2), which are ours.
await import(pathToFileURL(resolve(ROOT, 'dist', 'src', 'cli.js')).href);
