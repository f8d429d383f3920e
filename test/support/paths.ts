// Where the tests find the repository's files. `npm test` runs the tests built into dist/test
// (so worker threads start as they do under `serve`); a single file can still run from its
// TypeScript source under tsx. Either way fixtures, golden files, the sample data and the
// built CLI are looked up in the source tree: nothing but compiled code is copied into dist.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root: the nearest folder above this file holding package.json and tsconfig.json. */
function findRoot(from: string): string {
  let dir = from;
  while (!(existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'tsconfig.json')))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json with tsconfig.json above ${from}`);
    dir = up;
  }
  return dir;
}

/** The repository root (never dist/). */
export const ROOT = findRoot(import.meta.dirname);
/** The tests' source folder; test/golden and test/fixtures live here. */
export const TEST_DIR = join(ROOT, 'test');
/** Golden files (`UPDATE_GOLDEN=1` rewrites them here, in the source tree). */
export const GOLDEN_DIR = join(TEST_DIR, 'golden');
/** Test inputs (feeds to import, …). */
export const FIXTURES_DIR = join(TEST_DIR, 'fixtures');
/** The built command line, as `feedwright` (package bin) and `npm start` run it. */
export const CLI = join(ROOT, 'dist', 'src', 'cli.js');
/** True when this test run loads TypeScript sources (tsx) rather than the built JavaScript. */
export const FROM_SOURCE = import.meta.url.endsWith('.ts');

/** The newest modification time of the TypeScript files under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Makes sure dist/src/cli.js is there and current, and returns its path. Built tests come from
 * the same tsc run as the CLI, so there is nothing to do; a run from sources (tsx) builds when the
 * CLI is missing or older than src/. Throws with tsc's output when the build fails.
 */
export function builtCli(): string {
  if (!FROM_SOURCE && existsSync(CLI)) return CLI;
  if (!existsSync(CLI) || statSync(CLI).mtimeMs < newestSource(join(ROOT, 'src'))) {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const build = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.json'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`tsc failed:\n${build.stdout}${build.stderr}`);
  }
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing after the build`);
  return CLI;
}
