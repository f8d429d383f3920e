// FEEDWRIGHT_STATS_FLUSH_SECONDS (issue 12): how often the readers counted reach the store,
// read with the rest of the runtime configuration (src/config.ts) and documented in the README.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRuntimeConfig } from '../../src/config.js';
import type { FeedwrightError } from '../../src/core/errors.js';
import { ROOT } from '../support/fixtures.js';

describe('config: FEEDWRIGHT_STATS_FLUSH_SECONDS', () => {
  const runtime = (value?: string) => loadRuntimeConfig({ data: '/tmp/x' }, value === undefined ? {} : { FEEDWRIGHT_STATS_FLUSH_SECONDS: value }, ROOT);

  it('defaults to 60 s and takes whole seconds from 1 to 3600', () => {
    expect(runtime().statsFlushSeconds).to.equal(60);
    expect(runtime('').statsFlushSeconds).to.equal(60);
    expect(runtime('1').statsFlushSeconds).to.equal(1);
    expect(runtime('3600').statsFlushSeconds).to.equal(3600);
  });

  it('refuses anything else, naming the variable', () => {
    for (const bad of ['0', '3601', '1.5', '-5', 'soon', '60s']) {
      let err: FeedwrightError | undefined;
      try {
        runtime(bad);
      } catch (e) {
        err = e as FeedwrightError;
      }
      expect(err?.code, bad).to.equal('CONFIG_INVALID');
      expect(err?.message).to.equal(`FEEDWRIGHT_STATS_FLUSH_SECONDS "${bad}" is not a number of seconds (1 to 3600)`);
    }
  });

  it('is in the README table', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).to.include('| `FEEDWRIGHT_STATS_FLUSH_SECONDS` |');
  });
});
