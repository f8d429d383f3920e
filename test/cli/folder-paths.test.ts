// A file where a folder is expected, through the built CLI: `init FILE`, `--data FILE`,
// FEEDWRIGHT_DATA=FILE, a data folder whose articles/ or .feedwright/ is a file, a backup into
// a "folder" that is a file, an access log under one. Each is one line on stderr naming the path
// and what is wrong, exit 1, no stack trace, nothing written.
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDataDir, removeDir } from '../support/fixtures.js';
import { runCli, type CliRun } from '../support/cli-run.js';

/** Exit 1 with exactly one line on stderr, `feedwright: <file> is a file, not a folder…`, and no stack trace. */
function expectNotAFolder(r: CliRun, file: string, what: string): void {
  expect(r.status, `${what}: ${r.all}`).to.equal(1);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, `${what}: one line`).to.have.length(1);
  expect(lines[0], what).to.match(/^feedwright: /);
  expect(lines[0], what).to.include(`${file} is a file, not a folder`);
  expect(r.stderr, what).to.not.match(/^\s+at /m);
}

describe('cli: a file where a folder is expected', function () {
  this.timeout(180_000);
  const dirs: string[] = [];
  let scratch: string;
  let file: string;
  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'feedwright-folders-'));
    dirs.push(scratch);
    file = join(scratch, 'a-file');
    writeFileSync(file, 'not a folder\n');
  });
  after(() => {
    for (const dir of dirs) removeDir(dir);
  });

  it('init FILE, and init FILE/sub (a file above the folder), say so in one line and write nothing', () => {
    expectNotAFolder(runCli(['init', file]), file, 'init FILE');
    expectNotAFolder(runCli(['init', join(file, 'sub')]), file, 'init FILE/sub');
    expectNotAFolder(runCli(['init', '--data', file]), file, 'init --data FILE');
    expect(readdirSync(scratch)).to.deep.equal(['a-file']);
  });

  it('init into a folder whose articles/ is a file says so in one line', () => {
    const dir = join(scratch, 'articles-file');
    mkdirSync(dir);
    writeFileSync(join(dir, 'articles'), '');
    expectNotAFolder(runCli(['init', dir]), join(dir, 'articles'), 'init with articles a file');
    expect(readdirSync(dir)).to.deep.equal(['articles']);
  });

  it('every command that takes the data folder (--data or FEEDWRIGHT_DATA) says so in one line', () => {
    const out = join(scratch, 'never.db');
    const commands: string[][] = [['check'], ['compile'], ['stats'], ['serve'], ['import', join(scratch, 'x.xml')], ['backup', out]];
    for (const command of commands) {
      expectNotAFolder(runCli([...command, '--data', file], { timeoutMs: 30_000 }), file, `${command[0] as string} --data FILE`);
      expectNotAFolder(runCli(command, { env: { FEEDWRIGHT_DATA: file }, timeoutMs: 30_000 }), file, `FEEDWRIGHT_DATA=FILE ${command[0] as string}`);
    }
    expect(readdirSync(scratch).sort()).to.not.include('never.db');
  });

  it('a data folder whose articles/ or .feedwright/ is a file: check and compile say so in one line', () => {
    const dir = makeDataDir();
    dirs.push(dir);
    rmSync(join(dir, 'articles'), { recursive: true });
    writeFileSync(join(dir, 'articles'), '');
    expectNotAFolder(runCli(['check', '--data', dir]), join(dir, 'articles'), 'check, articles a file');
    expectNotAFolder(runCli(['compile', '--data', dir]), join(dir, 'articles'), 'compile, articles a file');

    const other = makeDataDir();
    dirs.push(other);
    writeFileSync(join(other, '.feedwright'), '');
    expectNotAFolder(runCli(['compile', '--data', other]), join(other, '.feedwright'), 'compile, .feedwright a file');
  });

  it('backup into a folder that is a file, and an access log under a file, say so in one line', () => {
    const dir = makeDataDir();
    dirs.push(dir);
    const compiled = runCli(['compile', '--data', dir]);
    expect(compiled.status, compiled.all).to.equal(0);
    expectNotAFolder(runCli(['backup', '--data', dir, join(file, 'copy.db')]), file, 'backup FILE/copy.db');
    expectNotAFolder(runCli(['serve', '--data', dir], { env: { FEEDWRIGHT_ACCESS_LOG: join(file, 'access.log'), PORT: '0', HOST: '127.0.0.1' }, timeoutMs: 30_000 }), file, 'FEEDWRIGHT_ACCESS_LOG=FILE/access.log');
  });
});
