// Commands that only read (stats, check, backup's source, import --dry-run) never create a
// store, through the built CLI: on a folder without one they say so (or report from nothing)
// and leave the folder as it was.
import { expect } from 'chai';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDataDir, removeDir, ROOT } from '../support/fixtures.js';
import { runCli } from '../support/cli-run.js';

/** Every entry under `dir`, recursively, as paths relative to it, sorted. */
function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).sort();
}

describe('cli: read-only commands create no store', function () {
  this.timeout(180_000);
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) removeDir(dir);
  });

  it('stats on an empty folder, and on a data folder that has no store yet: "no store at …", exit 1, nothing created', () => {
    const empty = mkdtempSync(join(tmpdir(), 'feedwright-empty-'));
    dirs.push(empty);
    for (const json of [[], ['--json']]) {
      const r = runCli(['stats', '--data', empty, ...json]);
      expect(r.status, r.all).to.equal(1);
      expect(r.stderr.trim()).to.equal(`feedwright: there is no store at ${join(empty, 'feedwright.db')} (nothing has been compiled or served with this data folder)`);
      expect(r.stdout).to.equal('');
      expect(readdirSync(empty)).to.deep.equal([]);
    }
    const data = makeDataDir();
    dirs.push(data);
    const before = tree(data);
    const r = runCli(['stats', '--data', data]);
    expect(r.status, r.all).to.equal(1);
    expect(r.stderr).to.include(`there is no store at ${join(data, 'feedwright.db')}`);
    expect(tree(data)).to.deep.equal(before);
  });

  it('check and backup on a data folder without a store create nothing', () => {
    const data = makeDataDir();
    dirs.push(data);
    const before = tree(data);
    expect(runCli(['check', '--data', data]).status).to.equal(0);
    const backup = runCli(['backup', '--data', data, join(data, 'copy.db')]);
    expect(backup.status, backup.all).to.equal(1);
    expect(backup.stderr).to.include(`there is no store at ${join(data, 'feedwright.db')}`);
    expect(tree(data)).to.deep.equal(before);
  });

  it('import --dry-run without a store reports every item as new and creates nothing; with one, reads it and writes nothing', () => {
    const data = makeDataDir({ copySample: false });
    dirs.push(data);
    const before = tree(data);
    const feed = join(ROOT, 'test', 'fixtures', 'import', 'rdf.xml');
    const dry = runCli(['import', '--dry-run', '--data', data, feed]);
    expect(dry.status, dry.all).to.equal(0);
    expect(dry.stdout).to.match(/dry run, nothing written: would import [1-9]\d*, would update 0, unchanged 0/);
    expect(tree(data), 'no feedwright.db, no .feedwright/').to.deep.equal(before);

    const real = runCli(['import', '--data', data, feed]);
    expect(real.status, real.all).to.equal(0);
    const stored = tree(data);
    const again = runCli(['import', '--dry-run', '--data', data, feed]);
    expect(again.status, again.all).to.equal(0);
    expect(again.stdout).to.match(/would import 0, would update 0, unchanged [1-9]/);
    expect(tree(data)).to.deep.equal(stored);
  });
});
