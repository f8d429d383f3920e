// A file a variable or option names that cannot be opened or written (a folder, a path that cannot
// be made, a read-only file system, no permission), through the built CLI: one line on stderr
// naming the variable (or the folder and where it came from) and the reason, exit 1, no stack
// trace — like every other configuration error. Before: FEEDWRIGHT_ACCESS_LOG's file printed
// sonic-boom's stack trace (EROFS, EISDIR), and init's mkdir/open theirs.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { makeDataDir, removeDir, ROOT } from '../support/fixtures.js';
import { runCli, type CliRun } from '../support/cli-run.js';

/** Exit 1 with exactly one line on stderr starting `feedwright: ` and including every part of `parts`, no stack trace. */
function expectOneLine(r: CliRun, what: string, ...parts: string[]): void {
  expect(r.status, `${what}: ${r.all}`).to.equal(1);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, `${what}: one line:\n${r.stderr}`).to.have.length(1);
  expect(lines[0], what).to.match(/^feedwright: /);
  for (const part of parts) expect(lines[0], what).to.include(part);
  expect(r.stderr, what).to.not.match(/^\s+at /m);
}

/**
 * A folder holding a copy of the sample data (`data/`) that this process cannot write: a read-only
 * bind mount when running as root (where permissions do not stop writes) and `mount` is allowed,
 * else mode 0555; undefined when neither can be had. `code` is the error expected.
 */
/** Why a read-only folder could not be made here (root without mount rights, e.g. in a container), or undefined. */
let lockedWhy: string | undefined;

function lockedFolder(): { path: string; code: string; release(): void } | undefined {
  const path = mkdtempSync(join(tmpdir(), 'feedwright-locked-'));
  cpSync(join(ROOT, 'data', 'site.json'), join(path, 'data', 'site.json'));
  cpSync(join(ROOT, 'data', 'articles'), join(path, 'data', 'articles'), { recursive: true });
  if (process.getuid?.() !== 0) {
    chmodSync(path, 0o555);
    chmodSync(join(path, 'data'), 0o555);
    return { path, code: 'EACCES', release: () => { chmodSync(path, 0o755); chmodSync(join(path, 'data'), 0o755); removeDir(path); } };
  }
  const mount = spawnSync('mount', ['--bind', path, path], { encoding: 'utf8' });
  if (mount.status !== 0) {
    lockedWhy = `as root, a read-only folder needs a bind mount, and mount --bind failed: ${(mount.stderr || String(mount.error)).trim()}`;
    removeDir(path);
    return undefined;
  }
  const remount = spawnSync('mount', ['-o', 'remount,bind,ro', path], { encoding: 'utf8' });
  if (remount.status !== 0) {
    lockedWhy = `as root, a read-only folder needs a bind mount, and the read-only remount failed: ${(remount.stderr || String(remount.error)).trim()}`;
    spawnSync('umount', [path]);
    removeDir(path);
    return undefined;
  }
  return { path, code: 'EROFS', release: () => { spawnSync('umount', [path]); removeDir(path); } };
}

describe('cli: a file that cannot be opened is one line naming its variable', function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  let data: string;
  let scratch: string;
  before(() => {
    data = makeDataDir();
    scratch = mkdtempSync(join(tmpdir(), 'feedwright-unopenable-'));
    dirs.push(data, scratch);
  });
  after(() => {
    for (const dir of dirs) removeDir(dir);
  });

  it('FEEDWRIGHT_ACCESS_LOG naming a folder: serve exits 1 with one line naming the variable and why', () => {
    const folder = join(scratch, 'logs');
    mkdirSync(folder);
    const r = runCli(['serve', '--data', data], { env: { FEEDWRIGHT_ACCESS_LOG: folder, PORT: '0', HOST: '127.0.0.1' }, timeoutMs: 30_000 });
    expectOneLine(r, 'FEEDWRIGHT_ACCESS_LOG=FOLDER', 'FEEDWRIGHT_ACCESS_LOG', folder, 'cannot be opened', 'EISDIR');
  });

  it('FEEDWRIGHT_ACCESS_LOG=no (and the other boolean words, any case) is off or on: no file ./no is written', async () => {
    // The port is taken, so serve stops (exit 1) right after it opened its logs.
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const cwd = join(scratch, 'cwd');
      mkdirSync(cwd);
      for (const value of ['no', 'NO', 'off', 'false', 'yes', 'On', 'TRUE', '0', '1']) {
        const r = runCli(['serve', '--data', data], { cwd, env: { FEEDWRIGHT_ACCESS_LOG: value, PORT: String(port), HOST: '127.0.0.1' }, timeoutMs: 30_000 });
        expect(r.all, value).to.include('address already in use');
        expect(readdirSync(cwd), `FEEDWRIGHT_ACCESS_LOG=${value}`).to.deep.equal([]);
      }
    } finally {
      blocker.close();
    }
  });

  it('FEEDWRIGHT_API_TOKEN_FILE naming a folder or a missing file: one line naming the variable', () => {
    expectOneLine(runCli(['serve', '--data', data], { env: { FEEDWRIGHT_API_TOKEN_FILE: scratch, PORT: '0', HOST: '127.0.0.1' }, timeoutMs: 30_000 }), 'token file a folder', 'FEEDWRIGHT_API_TOKEN_FILE', scratch, 'EISDIR');
    const missing = join(scratch, 'no-such-token');
    expectOneLine(runCli(['serve', '--data', data], { env: { FEEDWRIGHT_API_TOKEN_FILE: missing, PORT: '0', HOST: '127.0.0.1' }, timeoutMs: 30_000 }), 'token file missing', 'FEEDWRIGHT_API_TOKEN_FILE', missing, 'ENOENT');
  });

  it('a folder that cannot be written (read-only or no permission): the access log, init, the store and a backup each say so in one line', function () {
    const locked = lockedFolder();
    if (locked === undefined) {
      // CI (.ci/run, as root on Linux) sets FEEDWRIGHT_REQUIRE_LINUX=1: there this must run.
      if (process.env.FEEDWRIGHT_REQUIRE_LINUX === '1') throw new Error(`FEEDWRIGHT_REQUIRE_LINUX=1 but ${lockedWhy}`);
      console.log(`      (skipped: ${lockedWhy})`);
      this.skip();
    }
    const ro = locked.path;
    try {
      const log = join(ro, 'access.log');
      expectOneLine(runCli(['serve', '--data', data], { env: { FEEDWRIGHT_ACCESS_LOG: log, PORT: '0', HOST: '127.0.0.1' }, timeoutMs: 30_000 }), 'access log read-only', 'FEEDWRIGHT_ACCESS_LOG', log, locked.code);
      expectOneLine(runCli(['init', join(ro, 'new')]), 'init read-only', join(ro, 'new'), 'the folder init writes into', locked.code);
      expectOneLine(runCli(['init'], { env: { FEEDWRIGHT_DATA: join(ro, 'new') } }), 'FEEDWRIGHT_DATA read-only init', 'FEEDWRIGHT_DATA', locked.code);
      expectOneLine(runCli(['compile', '--data', join(ro, 'data')], { timeoutMs: 30_000 }), 'compile read-only data', join(ro, 'data', 'feedwright.db'), locked.code);
      expect(runCli(['compile', '--data', data], { timeoutMs: 60_000 }).status).to.be.oneOf([0, 1]);
      expectOneLine(runCli(['backup', join(ro, 'copy.db'), '--data', data]), 'backup read-only', join(ro, 'copy.db'), locked.code);
      expect(readdirSync(ro).sort()).to.deep.equal(['data']);
    } finally {
      locked.release();
    }
  });
});
