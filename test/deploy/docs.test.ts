// The deployment documents are the tested ones: docs/deploy.md shows docs/nginx/feedwright.conf
// (run by nginx.test.ts) and docs/systemd/feedwright.service verbatim; systemd accepts the unit;
// LICENSE is the license package.json names.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeDir, ROOT } from '../support/fixtures.js';

const read = (...path: string[]) => readFileSync(join(ROOT, ...path), 'utf8');

describe('deploy documents', () => {
  it('docs/deploy.md shows the nginx config and the systemd unit exactly as the files hold them', () => {
    const deploy = read('docs', 'deploy.md');
    expect(deploy).to.include(`\`\`\`nginx\n${read('docs', 'nginx', 'feedwright.conf')}\`\`\``);
    expect(deploy).to.include(`\`\`\`ini\n${read('docs', 'systemd', 'feedwright.service')}\`\`\``);
  });

  it('LICENSE is the MIT license package.json names', () => {
    const pkg = JSON.parse(read('package.json')) as { license: string };
    expect(pkg.license).to.equal('MIT');
    const license = read('LICENSE');
    expect(license.split('\n')[0]).to.equal('MIT License');
    expect(license).to.include('Permission is hereby granted, free of charge, to any person obtaining a copy');
  });

  it('systemd-analyze verify accepts docs/systemd/feedwright.service', function () {
    const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    if (probe.error !== undefined || probe.status !== 0) {
      // CI installs systemd and sets FEEDWRIGHT_REQUIRE_SYSTEMD=1: there a missing tool fails.
      if (process.env.FEEDWRIGHT_REQUIRE_SYSTEMD === '1') throw new Error('systemd-analyze is not installed, and FEEDWRIGHT_REQUIRE_SYSTEMD=1 requires this test');
      console.log('      (skipped: systemd-analyze is not installed; apt-get install systemd, as .ci/run does)');
      this.skip();
    }
    const dir = mkdtempSync(join(tmpdir(), 'feedwright-unit-'));
    try {
      // verify checks that ExecStart's program exists: point it at this node.
      const unit = join(dir, 'feedwright.service');
      writeFileSync(unit, read('docs', 'systemd', 'feedwright.service').replaceAll('/usr/bin/node', process.execPath));
      const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
      expect(r.status, r.stderr).to.equal(0);
      // Problems with the unit are reported as `<file>:<line>: …` (the host may add its own notes).
      expect(r.stderr, 'warnings about the unit').not.to.include(`${unit}:`);
    } finally {
      removeDir(dir);
    }
  });
});
