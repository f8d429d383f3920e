// Settings from the environment (issue 12 part 6): the variables that override site.json keys,
// FEEDWRIGHT_API_TOKEN_FILE, and errors that name the variable.
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FeedwrightError } from '../src/core/errors.js';
import { loadRuntimeConfig, loadSiteConfig, SITE_ENVIRONMENT } from '../src/config.js';
import { makeDataDir, removeDir, ROOT } from './support/fixtures.js';
import { storage } from '../src/cli/context.js';

function fails(fn: () => unknown): FeedwrightError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(FeedwrightError);
    return err as FeedwrightError;
  }
  throw new Error('expected a FeedwrightError');
}

describe('config: settings from the environment', () => {
  let dir: string;
  before(() => {
    dir = makeDataDir({ copySample: false });
  });
  after(() => removeDir(dir));

  it('reads site.json alone without an environment, and with one that sets none of the variables', () => {
    const site = loadSiteConfig(dir);
    expect(site.origins.map((o) => o.href)).to.deep.equal(['https://www.presstv.com', 'https://www.presstv.ir']);
    expect(loadSiteConfig(dir, { PATH: '/usr/bin' })).to.deep.equal(site);
  });

  it('lets FEEDWRIGHT_ORIGIN, FEEDWRIGHT_ALTERNATE_ORIGINS, FEEDWRIGHT_SCHEDULE and FEEDWRIGHT_BEHIND_PROXY override site.json', () => {
    const site = loadSiteConfig(dir, {
      FEEDWRIGHT_ORIGIN: 'https://staging.example.org',
      FEEDWRIGHT_ALTERNATE_ORIGINS: 'https://mirror-a.example.net, https://mirror-b.example.net  http://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion',
      FEEDWRIGHT_SCHEDULE: '*/5 * * * *',
      FEEDWRIGHT_BEHIND_PROXY: 'true',
    });
    expect(site.origins.map((o) => o.href)).to.deep.equal(['https://staging.example.org', 'https://mirror-a.example.net', 'https://mirror-b.example.net', 'http://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion']);
    expect(site.schedule).to.equal('*/5 * * * *');
    expect(site.behindProxy).to.equal(true);
    // Keys no variable names still come from site.json.
    expect(site.idPrefix).to.equal('tag:presstv.com,2007:');
    expect(site.title).to.equal('Press TV');
  });

  it('an empty FEEDWRIGHT_ALTERNATE_ORIGINS means no mirrors; FEEDWRIGHT_BEHIND_PROXY=0 is false', () => {
    const site = loadSiteConfig(dir, { FEEDWRIGHT_ALTERNATE_ORIGINS: '', FEEDWRIGHT_BEHIND_PROXY: '0' });
    expect(site.origins.map((o) => o.href)).to.deep.equal(['https://www.presstv.com']);
    expect(site.behindProxy).to.equal(false);
  });

  it('reads FEEDWRIGHT_BEHIND_PROXY in every boolean spelling (yes/no, on/off, true/false, 1/0, any case)', () => {
    for (const on of ['true', 'TRUE', 'yes', 'Yes', 'on', 'ON', '1', ' yes ']) expect(loadSiteConfig(dir, { FEEDWRIGHT_BEHIND_PROXY: on }).behindProxy, on).to.equal(true);
    for (const off of ['false', 'False', 'no', 'NO', 'off', 'Off', '0']) expect(loadSiteConfig(dir, { FEEDWRIGHT_BEHIND_PROXY: off }).behindProxy, off).to.equal(false);
  });

  it('names the variable, not the site.json key, when a value from the environment is wrong', () => {
    const err = fails(() => loadSiteConfig(dir, { FEEDWRIGHT_ORIGIN: 'ftp://www.example.org', FEEDWRIGHT_SCHEDULE: 'every minute', FEEDWRIGHT_BEHIND_PROXY: 'maybe' }));
    expect(err.code).to.equal('CONFIG_INVALID');
    expect(err.problems.map((p) => p.field)).to.deep.equal(['FEEDWRIGHT_ORIGIN', 'FEEDWRIGHT_SCHEDULE', 'FEEDWRIGHT_BEHIND_PROXY']);
    expect(err.message).to.match(/FEEDWRIGHT_ORIGIN "ftp:\/\/www\.example\.org" must use http or https/);
    expect(err.message).to.match(/FEEDWRIGHT_SCHEDULE "every minute" is not a valid cron expression/);
  });

  it('names the variable when a mirror from the environment repeats the primary host', () => {
    const err = fails(() => loadSiteConfig(dir, { FEEDWRIGHT_ALTERNATE_ORIGINS: 'https://www.presstv.ir http://www.presstv.com' }));
    expect(err.problems).to.deep.equal([{ field: 'FEEDWRIGHT_ALTERNATE_ORIGINS[1]', message: '"http://www.presstv.com" repeats the host www.presstv.com' }]);
  });

  it('every variable of SITE_ENVIRONMENT is in the README table', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const { variable } of SITE_ENVIRONMENT) expect(readme).to.include(`| \`${variable}\``);
    for (const variable of ['PORT', 'HOST', 'FEEDWRIGHT_DATA', 'DATABASE_URL', 'FEEDWRIGHT_API_TOKEN', 'FEEDWRIGHT_API_TOKEN_FILE', 'FEEDWRIGHT_CACHE_MB', 'FEEDWRIGHT_RENDER_THREADS', 'FEEDWRIGHT_RENDER_IDLE_SECONDS', 'FEEDWRIGHT_BROTLI_DELAY_SECONDS', 'LOG_LEVEL', 'FEEDWRIGHT_ACCESS_LOG']) expect(readme).to.include(`| \`${variable}\``);
  });
});

describe('config: FEEDWRIGHT_RENDER_IDLE_SECONDS', () => {
  let dir: string;
  before(() => {
    dir = makeDataDir({ copySample: false });
  });
  after(() => removeDir(dir));
  const runtime = (env: NodeJS.ProcessEnv) => loadRuntimeConfig({ data: dir }, env, ROOT);

  it('unset or empty leaves the pool its default; 0 (never retire) to 86400 seconds are read as given', () => {
    expect(runtime({}).renderIdleSeconds).to.equal(undefined);
    expect(runtime({ FEEDWRIGHT_RENDER_IDLE_SECONDS: '' }).renderIdleSeconds).to.equal(undefined);
    for (const good of ['0', '5', '30', '600', '86400']) expect(runtime({ FEEDWRIGHT_RENDER_IDLE_SECONDS: good }).renderIdleSeconds, good).to.equal(Number(good));
  });

  it('a value that is not a whole number of seconds from 0 to 86400 is refused, naming the variable and the value', () => {
    for (const bad of ['thirty', '-1', '1.5', '86401', '100000', ' ', '0x10', '1e3', '+5', '30s']) {
      const err = fails(() => runtime({ FEEDWRIGHT_RENDER_IDLE_SECONDS: bad }));
      expect(err.code, bad).to.equal('CONFIG_INVALID');
      expect(err.message, bad).to.include(`FEEDWRIGHT_RENDER_IDLE_SECONDS "${bad}"`);
      expect(err.problems, bad).to.deep.equal([{ field: 'FEEDWRIGHT_RENDER_IDLE_SECONDS', message: 'must be an integer from 0 to 86400' }]);
    }
  });
});

describe('config: FEEDWRIGHT_BROTLI_DELAY_SECONDS', () => {
  let dir: string;
  before(() => {
    dir = makeDataDir({ copySample: false });
  });
  after(() => removeDir(dir));
  const runtime = (env: NodeJS.ProcessEnv) => loadRuntimeConfig({ data: dir }, env, ROOT);

  it('unset or empty leaves the compiler its default (10 s); 0 to 3600 seconds are read as given and reach the service options', () => {
    expect(runtime({}).brotliDelaySeconds).to.equal(undefined);
    expect(runtime({ FEEDWRIGHT_BROTLI_DELAY_SECONDS: '' }).brotliDelaySeconds).to.equal(undefined);
    for (const good of ['0', '1', '10', '3600']) expect(runtime({ FEEDWRIGHT_BROTLI_DELAY_SECONDS: good }).brotliDelaySeconds, good).to.equal(Number(good));
    expect(storage(runtime({ FEEDWRIGHT_BROTLI_DELAY_SECONDS: '7' })).brotliDelayMs).to.equal(7000);
    expect(storage(runtime({})).brotliDelayMs).to.equal(undefined);
  });

  it('a value that is not a whole number of seconds from 0 to 3600 is refused, naming the variable and the value', () => {
    for (const bad of ['ten', '-1', '2.5', '3601', '99999', ' ', '1e2', '10s']) {
      const err = fails(() => runtime({ FEEDWRIGHT_BROTLI_DELAY_SECONDS: bad }));
      expect(err.code, bad).to.equal('CONFIG_INVALID');
      expect(err.message, bad).to.include(`FEEDWRIGHT_BROTLI_DELAY_SECONDS "${bad}"`);
      expect(err.problems, bad).to.deep.equal([{ field: 'FEEDWRIGHT_BROTLI_DELAY_SECONDS', message: 'must be an integer from 0 to 3600' }]);
    }
  });
});

describe('config: FEEDWRIGHT_API_TOKEN_FILE', () => {
  let dir: string;
  before(() => {
    dir = makeDataDir({ copySample: false });
  });
  after(() => removeDir(dir));
  const runtime = (env: NodeJS.ProcessEnv) => loadRuntimeConfig({ data: dir }, env, ROOT);

  it('reads the token from the file, without the trailing newline', () => {
    writeFileSync(join(dir, 'token'), 's3cret-token\n');
    expect(runtime({ FEEDWRIGHT_API_TOKEN_FILE: join(dir, 'token') }).apiToken).to.equal('s3cret-token');
    expect(runtime({ FEEDWRIGHT_API_TOKEN: 'from-env-0123456789' }).apiToken).to.equal('from-env-0123456789');
    expect(runtime({}).apiToken).to.equal(undefined);
  });

  it('refuses both variables at once, a missing file and an empty one, naming the variable and never the token', () => {
    writeFileSync(join(dir, 'token'), 's3cret-token\n');
    writeFileSync(join(dir, 'empty'), '\n');
    const both = fails(() => runtime({ FEEDWRIGHT_API_TOKEN: 'x', FEEDWRIGHT_API_TOKEN_FILE: join(dir, 'token') }));
    expect(both.message).to.equal('FEEDWRIGHT_API_TOKEN_FILE is set together with FEEDWRIGHT_API_TOKEN: set one of them');
    const missing = fails(() => runtime({ FEEDWRIGHT_API_TOKEN_FILE: join(dir, 'nope') }));
    expect(missing.message).to.match(/^FEEDWRIGHT_API_TOKEN_FILE names .*nope, which cannot be read: no such file or folder \(ENOENT\)$/);
    const empty = fails(() => runtime({ FEEDWRIGHT_API_TOKEN_FILE: join(dir, 'empty') }));
    expect(empty.problems[0]?.field).to.equal('FEEDWRIGHT_API_TOKEN_FILE');
    for (const e of [both, missing, empty]) expect(e.message).not.to.include('s3cret');
  });
});

describe('config: the log level, the access log and named token files (issue 12, metrics and logs)', () => {
  let dir: string;
  before(() => {
    dir = makeDataDir({ copySample: false });
  });
  after(() => removeDir(dir));
  const runtime = (env: NodeJS.ProcessEnv, logLevel?: string) => loadRuntimeConfig({ data: dir, ...(logLevel === undefined ? {} : { logLevel }) }, env, ROOT);

  it('takes --log-level over LOG_LEVEL over info, in any case, and names the source of a bad level', () => {
    expect(runtime({}).logLevel).to.equal('info');
    expect(runtime({ LOG_LEVEL: 'DEBUG' }).logLevel).to.equal('debug');
    expect(runtime({ LOG_LEVEL: 'debug' }, 'warn').logLevel).to.equal('warn');
    expect(fails(() => runtime({ LOG_LEVEL: 'loud' })).problems[0]?.field).to.equal('LOG_LEVEL');
    expect(fails(() => runtime({}, 'verbose')).message).to.match(/^--log-level "verbose" is not a log level/);
  });

  it('reads FEEDWRIGHT_ACCESS_LOG as off, into the log, or a file', () => {
    // Every boolean spelling, any case: `no` is off, not a file named ./no.
    for (const off of [undefined, '', '0', 'false', 'off', 'no', 'NO', 'No', 'False', 'OFF', ' no ']) expect(runtime(off === undefined ? {} : { FEEDWRIGHT_ACCESS_LOG: off }).accessLogTo, off).to.equal(undefined);
    for (const on of ['1', 'true', 'ON', 'yes', 'YES', 'Yes', 'True', 'on']) expect(runtime({ FEEDWRIGHT_ACCESS_LOG: on }).accessLogTo, on).to.equal('log');
    expect(runtime({ FEEDWRIGHT_ACCESS_LOG: './no' }).accessLogTo).to.deep.equal({ file: join(process.cwd(), 'no') });
    expect(runtime({ FEEDWRIGHT_ACCESS_LOG: '/var/log/feedwright/access.log' }).accessLogTo).to.deep.equal({ file: '/var/log/feedwright/access.log' });
  });

  it('accepts a file of named tokens and refuses a malformed one without printing a token', () => {
    writeFileSync(join(dir, 'named'), 'cms-one:aaaaaaaaaaaaaaaaaaaa1\ncms-two:bbbbbbbbbbbbbbbbbbbb2\n');
    const named = runtime({ FEEDWRIGHT_API_TOKEN_FILE: join(dir, 'named') });
    expect(named.apiTokenFile).to.equal(join(dir, 'named'));
    expect(named.apiToken).to.equal(undefined);
    writeFileSync(join(dir, 'bad'), 'cms-one:aaaaaaaaaaaaaaaaaaaa1\ncms-two bbbbbbbbbbbbbbbbbbbb2\n');
    const bad = fails(() => runtime({ FEEDWRIGHT_API_TOKEN_FILE: join(dir, 'bad') }));
    expect(bad.problems[0]?.field).to.equal('FEEDWRIGHT_API_TOKEN_FILE');
    expect(bad.message).to.include('line 2').and.not.include('aaaa').and.not.include('bbbb');
  });
});
