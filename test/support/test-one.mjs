#!/usr/bin/env node
// npm run test:one -- FILE... [mocha options]
//
// Builds incrementally (tsc -b: nothing to do in well under a second, a few seconds after an
// edit) and runs mocha over the built tests named. FILE is a test source
// (test/http/negotiate.test.ts), a folder of them (test/http) or a built file
// (dist/test/http/negotiate.test.js); other arguments go to mocha, e.g.
//   npm run test:one -- test/http/negotiate.test.ts --grep 'q=0'
// Plain JavaScript on purpose: it runs before anything is compiled.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
// npm runs scripts from the package root; INIT_CWD is where the command was typed.
const CWD = process.env.INIT_CWD ?? process.cwd();

function fail(message) {
  process.stderr.write(`test:one: ${message}\n`);
  process.exit(2);
}

/** The built spec for a test source, folder or built file, or undefined when `arg` names none. */
function builtSpec(arg) {
  const candidates = isAbsolute(arg) ? [arg] : [resolve(CWD, arg), resolve(ROOT, arg)];
  const found = candidates.find((c) => existsSync(c));
  const looksLikeTest = /\.test\.[cm]?[jt]s$/.test(arg) || /^(\.\/)?(dist\/)?test(\/|$)/.test(arg.split(sep).join('/'));
  if (found === undefined) {
    if (looksLikeTest) fail(`no such test: ${arg}`);
    return undefined;
  }
  const rel = relative(ROOT, found).split(sep).join('/');
  const dir = statSync(found).isDirectory();
  if (rel === 'test' || rel.startsWith('test/')) return dir ? `dist/${rel}/**/*.test.js` : `dist/${rel.replace(/\.ts$/, '.js')}`;
  if (rel === 'dist/test' || rel.startsWith('dist/test/')) return dir ? `${rel}/**/*.test.js` : rel;
  if (looksLikeTest) fail(`${arg} is not under test/ or dist/test/`);
  return undefined;
}

/** Mocha options whose value is the next argument (so `--grep test` is not the folder test/). */
const TAKES_VALUE = new Set(['-g', '--grep', '-f', '--fgrep', '-R', '--reporter', '-O', '--reporter-option', '-t', '--timeout', '-s', '--slow', '-r', '--require', '--ui', '-u', '--retries', '-j', '--jobs']);
const specs = [];
const mochaArgs = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 1) {
  const arg = args[i];
  const spec = arg.startsWith('-') || TAKES_VALUE.has(args[i - 1]) ? undefined : builtSpec(arg);
  if (spec === undefined) mochaArgs.push(arg);
  else specs.push(spec);
}
if (specs.length === 0) fail('name at least one test file or folder, e.g. npm run test:one -- test/http/negotiate.test.ts');

const node = (args) => spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' }).status ?? 1;
const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
if (node([tsc, '-b', 'tsconfig.json']) !== 0) process.exit(1);
// tsc -b trusts dist/.tsbuildinfo: a built file deleted by hand is not written again unless forced.
const missing = specs.filter((s) => !s.includes('*') && !existsSync(join(ROOT, s)));
if (missing.length > 0) {
  process.stderr.write(`test:one: ${missing.join(', ')} missing from dist: rebuilding everything\n`);
  if (node([tsc, '-b', '--force', 'tsconfig.json']) !== 0) process.exit(1);
  const still = missing.filter((s) => !existsSync(join(ROOT, s)));
  if (still.length > 0) fail(`${still.join(', ')} not built: is the source named *.test.ts under test/?`);
}
// .mocharc.json supplies timeout, exit and source maps; it names no spec, so only these run.
process.exit(node([join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js'), ...mochaArgs, ...specs]));
