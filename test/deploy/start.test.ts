// `npm start` (scripts/start.mjs): runs dist/ as it is when it is current, builds only when dist/
// is missing or older than the sources and TypeScript is installed, and runs a built tree without
// TypeScript (after `npm ci --omit=dev`). The decision is pure (scripts/build-state.mjs); the
// launcher is run for real in a tree without node_modules.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { removeDir, ROOT } from '../support/fixtures.js';

type BuildStateModule = typeof import('../../scripts/build-state.mjs');
// Plain JavaScript outside the compiled tree: loaded from the source tree, typed by its .d.mts.
const load = () => import(pathToFileURL(join(ROOT, 'scripts', 'build-state.mjs')).href) as Promise<BuildStateModule>;

const T = Date.UTC(2026, 10, 30, 12, 0, 0);

describe('npm start: when to build', () => {
  it('decides from whether dist is there, the build and source times and the compiler', async () => {
    const { decideStart } = await load();
    const tsc = '/x/node_modules/typescript/bin/tsc';
    expect(decideStart({ built: true, buildTimeMs: T, sourceTimeMs: T - 1000, compiler: tsc })).to.deep.equal({ action: 'run' });
    expect(decideStart({ built: true, buildTimeMs: T, sourceTimeMs: T, compiler: tsc })).to.deep.equal({ action: 'run' });
    expect(decideStart({ built: true, buildTimeMs: T, sourceTimeMs: T - 1000, compiler: undefined })).to.deep.equal({ action: 'run' });
    expect(decideStart({ built: true, buildTimeMs: T, sourceTimeMs: T + 1, compiler: tsc }).action).to.equal('build');
    expect(decideStart({ built: true, buildTimeMs: undefined, sourceTimeMs: T, compiler: tsc }).action).to.equal('build');
    expect(decideStart({ built: false, buildTimeMs: undefined, sourceTimeMs: T, compiler: tsc })).to.deep.equal({ action: 'build', reason: 'dist/src/cli.js is missing' });
    expect(decideStart({ built: true, buildTimeMs: T, sourceTimeMs: T + 1, compiler: undefined }).action).to.equal('run-stale');
    expect(decideStart({ built: false, buildTimeMs: undefined, sourceTimeMs: T, compiler: undefined }).action).to.equal('fail');
  });

  it('reads the tree: dist/.tsbuildinfo is the build time, src/**/*.ts and tsconfig.json the sources', async () => {
    const { readBuildState } = await load();
    const dir = mkdtempSync(join(tmpdir(), 'feedwright-start-'));
    try {
      mkdirSync(join(dir, 'src', 'core'), { recursive: true });
      mkdirSync(join(dir, 'dist', 'src'), { recursive: true });
      const at = (file: string, ms: number, text = '') => {
        writeFileSync(join(dir, file), text);
        utimesSync(join(dir, file), ms / 1000, ms / 1000);
      };
      at('package.json', T, '{}');
      at('tsconfig.json', T - 5000);
      at('src/cli.ts', T - 4000);
      at('src/core/deep.ts', T - 3000);
      at('dist/src/cli.js', T - 2000);
      at('dist/.tsbuildinfo', T - 1000);
      expect(readBuildState(dir)).to.deep.equal({ built: true, buildTimeMs: T - 1000, sourceTimeMs: T - 3000, compiler: undefined });
      at('src/core/deep.ts', T + 1000);
      expect(readBuildState(dir).sourceTimeMs).to.equal(T + 1000);
    } finally {
      removeDir(dir);
    }
  });

  it('finds the TypeScript compiler this repository installs', async () => {
    const { findCompiler } = await load();
    expect(findCompiler(ROOT)).to.match(/typescript[\\/]bin[\\/]tsc$/);
  });
});

describe('npm start: the launcher (scripts/start.mjs) in a tree without TypeScript', () => {
  let dir: string;
  const start = (...args: string[]) => spawnSync(process.execPath, [join(dir, 'scripts', 'start.mjs'), ...args], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  const setTimes = (file: string, ms: number) => utimesSync(join(dir, file), ms / 1000, ms / 1000);

  beforeEach(() => {
    // What `npm ci --omit=dev` leaves of a built tree, minus the runtime packages: the launcher,
    // sources, and a dist/src/cli.js that reports its arguments.
    dir = mkdtempSync(join(tmpdir(), 'feedwright-start-'));
    cpSync(join(ROOT, 'scripts'), join(dir, 'scripts'), { recursive: true });
    mkdirSync(join(dir, 'src'));
    mkdirSync(join(dir, 'dist', 'src'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    writeFileSync(join(dir, 'tsconfig.json'), '{}');
    writeFileSync(join(dir, 'src', 'cli.ts'), '');
    writeFileSync(join(dir, 'dist', 'src', 'cli.js'), "console.log('cli ran with ' + JSON.stringify(process.argv.slice(2)));\n");
    writeFileSync(join(dir, 'dist', '.tsbuildinfo'), '{}');
    setTimes('tsconfig.json', T - 2000);
    setTimes('src/cli.ts', T - 2000);
    setTimes('dist/src/cli.js', T - 1000);
    setTimes('dist/.tsbuildinfo', T - 1000);
  });
  afterEach(() => removeDir(dir));

  it('runs a current build directly, with the arguments given, and says nothing', () => {
    const r = start('serve', '--data', 'x');
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('cli ran with ["serve","--data","x"]\n');
    expect(r.stderr).to.equal('');
  });

  it('runs a build older than the sources when nothing can rebuild it, and says so', () => {
    setTimes('src/cli.ts', T);
    const r = start('serve');
    expect(r.status).to.equal(0);
    expect(r.stdout).to.equal('cli ran with ["serve"]\n');
    expect(r.stderr).to.match(/TypeScript is not installed to rebuild: running dist\/ as it is/);
  });

  it('fails with what to do when there is no build and no compiler', () => {
    removeDir(join(dir, 'dist'));
    const r = start('serve');
    expect(r.status).to.equal(1);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.match(/dist\/src\/cli\.js is missing and TypeScript is not installed: run `npm install && npm run build`/);
  });

  it('src/ imports only runtime dependencies, so dist/ runs after npm ci --omit=dev', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { builtinModules } = await import('node:module');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const imported = new Set<string>();
    const walk = (folder: string) => {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        const path = join(folder, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts')) {
          // Type-only imports are erased by tsc; everything else is loaded at run time.
          const code = readFileSync(path, 'utf8').replace(/^import type .*$/gm, '');
          const specifiers = [...code.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s*'([^'.][^']*)'/gm), ...code.matchAll(/^import\s*'([^'.][^']*)'/gm), ...code.matchAll(/\bimport\(\s*'([^'.][^']*)'\s*\)/g)];
          for (const m of specifiers) imported.add((m[1] as string).startsWith('@') ? (m[1] as string).split('/').slice(0, 2).join('/') : (m[1] as string).split('/')[0] as string);
        }
      }
    };
    walk(join(ROOT, 'src'));
    const missing = [...imported].filter((name) => !name.startsWith('node:') && !builtinModules.includes(name) && pkg.dependencies[name] === undefined);
    expect(imported.size).to.be.greaterThan(5);
    expect(missing, 'imported by src/ but not in dependencies').to.deep.equal([]);
  });

  it('package.json: start runs the launcher and nothing builds before it', async () => {
    const { readFileSync } = await import('node:fs');
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    // `exec`: the shell npm runs the script in is replaced by the launcher, so the SIGTERM/SIGINT
    // npm forwards reaches the server (test/deploy/npm-start-signals.test.ts).
    expect(scripts.start).to.equal('exec node scripts/start.mjs serve');
    expect(scripts.prestart).to.equal(undefined);
  });
});
