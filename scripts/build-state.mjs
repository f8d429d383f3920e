// Whether the built server (dist/) can be run as it is, must be built first, or cannot run:
// what `npm start` (scripts/start.mjs) decides before it starts `feedwright serve`. Plain
// JavaScript on purpose: it runs before anything is compiled, and after `npm ci --omit=dev`,
// when TypeScript is not installed.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

/**
 * The pure decision. `state`: `{ built, buildTimeMs, sourceTimeMs, compiler }` — whether
 * dist/src/cli.js exists, when the last build finished (ms since the epoch; undefined when
 * unknown), the newest modification time of the sources (ms), and the TypeScript compiler's
 * path or undefined when it is not installed. Returns one of:
 * - `{ action: 'run' }` — dist is current;
 * - `{ action: 'build', reason }` — dist is missing or older than the sources and tsc is there;
 * - `{ action: 'run-stale', reason }` — dist is older than the sources but nothing can build it
 *   (a production install): run it, and say so;
 * - `{ action: 'fail', reason }` — nothing built and nothing to build with.
 */
export function decideStart(state) {
  if (!state.built) {
    return state.compiler === undefined
      ? { action: 'fail', reason: 'dist/src/cli.js is missing and TypeScript is not installed: run `npm install && npm run build` (or build before `npm ci --omit=dev`)' }
      : { action: 'build', reason: 'dist/src/cli.js is missing' };
  }
  const stale = state.buildTimeMs === undefined || state.sourceTimeMs > state.buildTimeMs;
  if (!stale) return { action: 'run' };
  const reason = state.buildTimeMs === undefined ? 'the time of the last build is unknown' : 'src/ or tsconfig.json changed after the last build';
  return state.compiler === undefined
    ? { action: 'run-stale', reason: `${reason}, and TypeScript is not installed to rebuild: running dist/ as it is` }
    : { action: 'build', reason };
}

/** The newest modification time (ms) of the `.ts` files under `dir`, 0 when there are none. */
function newestTypeScript(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestTypeScript(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** The TypeScript compiler's entry point as installed under `root`, or undefined. */
export function findCompiler(root) {
  try {
    return createRequire(join(resolve(root), 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    return undefined;
  }
}

/**
 * Reads the tree at `root` into the state decideStart takes. The build time is the mtime of
 * dist/.tsbuildinfo, which `tsc -b` rewrites on every build, also one that found nothing to
 * emit (else dist/src/cli.js's); the sources are src/**\/*.ts and tsconfig.json.
 */
export function readBuildState(root) {
  const cli = join(root, 'dist', 'src', 'cli.js');
  const stamp = [join(root, 'dist', '.tsbuildinfo'), cli].find((f) => existsSync(f));
  const tsconfig = join(root, 'tsconfig.json');
  return {
    built: existsSync(cli),
    buildTimeMs: stamp === undefined ? undefined : statSync(stamp).mtimeMs,
    sourceTimeMs: Math.max(newestTypeScript(join(root, 'src')), existsSync(tsconfig) ? statSync(tsconfig).mtimeMs : 0),
    compiler: findCompiler(root),
  };
}
