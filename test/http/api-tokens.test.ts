// Named API tokens (the token file's forms and its problems), the per-address throttle of failed
// authentications (increasing delay, bounded memory), and article file problems logged once.
import { expect } from 'chai';
import { createApiTokens, parseTokenFile } from '../../src/http/api-tokens.js';
import { createAuthThrottle } from '../../src/http/auth-throttle.js';
import { createProblemLog } from '../../src/compile/problem-log.js';
import type { SourceProblem } from '../../src/compile/source-files.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { get, makeDataDir, removeDir, ROOT, startService } from '../support/fixtures.js';

describe('API tokens: the token file', () => {
  it('reads one bare token as the client "default" and name:token lines as named clients', () => {
    expect(parseTokenFile('s3cret-token\n')).to.deep.equal({ tokens: [{ name: 'default', secret: 's3cret-token', scope: 'write' }] });
    const named = parseTokenFile('# one line per CMS\ncms-one:aaaaaaaaaaaaaaaaaaaa1\n\nwire_feed: bbbbbbbbbbbbbbbbbbbb2 \n');
    expect(named).to.deep.equal({ tokens: [{ name: 'cms-one', secret: 'aaaaaaaaaaaaaaaaaaaa1', scope: 'write' }, { name: 'wire_feed', secret: 'bbbbbbbbbbbbbbbbbbbb2', scope: 'write' }] });
  });

  it('names every bad line by number and never repeats a secret', () => {
    const r = parseTokenFile('cms-one:aaaaaaaaaaaaaaaaaaaa1\nno colon here\ncms-one:cccccccccccccccccccc3\nshort:tiny\ncms-two:aaaaaaaaaaaaaaaaaaaa1\nbad name!:dddddddddddddddddddd4\n');
    expect('problems' in r).to.equal(true);
    const problems = (r as { problems: string[] }).problems;
    expect(problems.map((p) => /^line (\d+)/.exec(p)?.[1])).to.deep.equal(['2', '3', '4', '5', '6']);
    for (const p of problems) expect(p).to.not.match(/aaaa|cccc|tiny|dddd/);
    expect(parseTokenFile('\n# nothing\n')).to.deep.equal({ problems: ['holds no token'] });
  });

  it('matches a presented token to its client, and nothing else', () => {
    const tokens = createApiTokens([{ name: 'cms-one', secret: 'aaaaaaaaaaaaaaaaaaaa1' }, { name: 'cms-two', secret: 'bbbbbbbbbbbbbbbbbbbb2' }]);
    expect(tokens.match('aaaaaaaaaaaaaaaaaaaa1')).to.equal('cms-one');
    expect(tokens.match('bbbbbbbbbbbbbbbbbbbb2')).to.equal('cms-two');
    for (const wrong of ['', 'aaaaaaaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaaaaaaa1 ', 'AAAAAAAAAAAAAAAAAAAA1']) expect(tokens.match(wrong)).to.equal(undefined);
    tokens.replace([{ name: 'cms-two', secret: 'bbbbbbbbbbbbbbbbbbbb2' }]);
    expect(tokens.match('aaaaaaaaaaaaaaaaaaaa1')).to.equal(undefined);
    expect(tokens.match('bbbbbbbbbbbbbbbbbbbb2')).to.equal('cms-two');
    expect(tokens.count()).to.equal(1);
  });
});

describe('auth throttle: failed authentications per address', () => {
  it('holds an address back after 3 failures: the first 429 says the base delay, each further one twice the last, up to the cap', () => {
    const t = createAuthThrottle({ free: 3, baseSeconds: 1, capSeconds: 30 });
    let now = 1_000_000;
    expect([1, 2, 3].map(() => t.fail('10.0.0.1', now))).to.deep.equal([1, 2, 3]);
    const waits: number[] = [];
    for (let i = 0; i < 8; i += 1) waits.push(t.check('10.0.0.1', now) as number);
    expect(waits).to.deep.equal([1, 2, 4, 8, 16, 30, 30, 30]);
    // Another address is not held back.
    expect(t.check('10.0.0.2', now)).to.equal(undefined);
    // Waiting out the hold lets the address try again; a success forgets it.
    now += 31_000;
    expect(t.check('10.0.0.1', now)).to.equal(undefined);
    t.succeed('10.0.0.1');
    expect(t.fail('10.0.0.1', now)).to.equal(1);
  });

  it("answers a real server's 429s with the README's figures: after 3 failures, Retry-After 5 s, then doubling", async () => {
    // The README's sentence is the operator-visible contract: its numbers are read, not copied.
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ');
    const stated = /after (\d+) within (\d+) minutes the address is answered \*\*429 with Retry-After\*\* \(RFC 6585 §4\), (\d+) s, then doubling with every further attempt .*? up to (\d+) s/.exec(readme);
    expect(stated, 'the README states the throttle').to.not.equal(null);
    const [free, , first] = [Number(stated?.[1]), Number(stated?.[2]), Number(stated?.[3])];
    expect([free, first]).to.deep.equal([3, 5]);
    const dir = makeDataDir();
    const t = await startService(dir, { apiToken: 'the-right-token-0123456789', compile: false });
    try {
      const answers: string[] = [];
      for (let i = 0; i < free + 3; i += 1) {
        const r = await get(t.port, '/api/articles/x', { Authorization: 'Bearer a-wrong-token-000000000' });
        answers.push(r.status === 429 ? `429 ${String(r.headers['retry-after'])}` : String(r.status));
      }
      expect(answers).to.deep.equal([...Array.from({ length: free }, () => '401'), `429 ${first}`, `429 ${first * 2}`, `429 ${first * 4}`]);
    } finally {
      await t.close();
      removeDir(dir);
    }
  });

  it('forgets a count after the window, and remembers a bounded number of addresses', () => {
    const t = createAuthThrottle({ free: 3, windowMs: 60_000, maxAddresses: 100 });
    t.fail('a', 0);
    t.fail('a', 0);
    expect(t.fail('a', 61_000)).to.equal(1);
    for (let i = 0; i < 10_000; i += 1) t.fail(`10.1.${i >> 8}.${i & 255}`, 0);
    expect(t.size()).to.equal(100);
  });
});

describe('article file problems are logged once', () => {
  const problem = (file: string, message: string): SourceProblem => ({ file, code: 'ARTICLE_INVALID', message, problems: [{ field: 'title', message }] });
  it('logs a problem when it appears and when it changes, not on every compile, and when it clears', () => {
    const lines: string[] = [];
    const log = createProblemLog({ warn: (l) => lines.push(`warn ${l}`), info: (l) => lines.push(`info ${l}`) });
    const a = problem('a.json', 'is required');
    for (let i = 0; i < 5; i += 1) log.report([a]);
    expect(lines).to.deep.equal(['warn skipped a.json: title is required']);
    log.report([a, problem('b.json', 'is required')]);
    log.report([problem('a.json', 'must be a string'), problem('b.json', 'is required')]);
    log.report([problem('b.json', 'is required')]);
    expect(lines).to.deep.equal([
      'warn skipped a.json: title is required',
      'warn skipped b.json: title is required',
      'warn skipped a.json: title must be a string',
      'info a.json: no longer skipped (fixed or removed)',
    ]);
  });
});
