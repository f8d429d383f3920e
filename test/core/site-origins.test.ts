// Start-up validation of the configured origins (issue 4 §1): the primary and alternate origins
// of site.json are `scheme://host[:port]`; duplicates, paths, queries, other schemes and garbage
// are rejected with CONFIG_INVALID and a message naming the key (`origin`, `alternateOrigins[i]`).
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FeedwrightError } from '../../src/core/errors.js';
import { validateSiteConfig, type SiteConfig } from '../../src/core/site.js';
import { isCronExpression } from '../../src/compile/schedule.js';
import { ROOT } from '../support/paths.js';

const PRIMARY = 'https://www.presstv.com';
const MIRROR = 'https://www.presstv.ir';
const ONION = 'http://presstvxyzabcdefghijklmnopqrstuvwxyz234567abcdefghijklmno.onion';

function sample(): Record<string, unknown> {
  const file = join(ROOT, 'data', 'site.json');
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

function site(origin: unknown, alternateOrigins: unknown): Record<string, unknown> {
  const raw = { ...sample(), origin, alternateOrigins };
  if (alternateOrigins === undefined) delete raw.alternateOrigins;
  if (origin === undefined) delete raw.origin;
  return raw;
}

function validate(raw: unknown): SiteConfig {
  return validateSiteConfig(raw, isCronExpression);
}

/** Validation fails with CONFIG_INVALID, naming exactly the given keys (in the message and in problems). */
function expectRejected(raw: unknown, ...keys: string[]): FeedwrightError {
  let error: unknown;
  try {
    validate(raw);
  } catch (e) {
    error = e;
  }
  expect(error, `rejected: ${JSON.stringify(raw && (raw as Record<string, unknown>).alternateOrigins)}`).to.be.instanceOf(FeedwrightError);
  const e = error as FeedwrightError;
  expect(e.code).to.equal('CONFIG_INVALID');
  for (const key of keys) expect(e.message, 'the message names the key').to.include(key);
  expect(e.problems.map((p) => p.field)).to.deep.equal(keys);
  return e;
}

describe('site.json origins (validateSiteConfig)', function () {
  describe('valid origins', function () {
    it('the primary, a mirror and an http .onion origin, in order', function () {
      const s = validate(site(PRIMARY, [MIRROR, ONION]));
      expect(s.origins.map((o) => o.href)).to.deep.equal([PRIMARY, MIRROR, ONION]);
      expect(s.origins.map((o) => o.host)).to.deep.equal(['www.presstv.com', 'www.presstv.ir', new URL(ONION).host]);
      expect(s.origins.map((o) => o.protocol)).to.deep.equal(['https:', 'https:', 'http:']);
      expect(s.origins.map((o) => o.onion)).to.deep.equal([false, false, true]);
    });

    it('no alternates (missing or empty) gives one origin', function () {
      expect(validate(site(PRIMARY, undefined)).origins.map((o) => o.href)).to.deep.equal([PRIMARY]);
      expect(validate(site(PRIMARY, [])).origins.map((o) => o.href)).to.deep.equal([PRIMARY]);
    });

    it('is canonicalised: lower case, default port and a bare trailing slash dropped, other ports kept', function () {
      const s = validate(site('HTTPS://WWW.PressTV.com:443/', ['https://www.presstv.ir:8443', 'http://localhost:8080', 'HTTP://PRESSTVXYZABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFGHIJKLMNO.ONION:80']));
      expect(s.origins.map((o) => o.href)).to.deep.equal([PRIMARY, 'https://www.presstv.ir:8443', 'http://localhost:8080', ONION]);
      expect(s.origins.map((o) => o.host)).to.deep.equal(['www.presstv.com', 'www.presstv.ir:8443', 'localhost:8080', new URL(ONION).host]);
      expect(s.origins[3]?.onion).to.equal(true);
    });
  });

  describe('duplicates', function () {
    it('the same alternate twice', function () {
      expectRejected(site(PRIMARY, [MIRROR, MIRROR]), 'alternateOrigins[1]');
    });

    it('an alternate that repeats the primary', function () {
      expectRejected(site(PRIMARY, [PRIMARY]), 'alternateOrigins[0]');
      expectRejected(site(PRIMARY, [MIRROR, 'https://WWW.PRESSTV.COM']), 'alternateOrigins[1]');
    });

    it('differing only by case', function () {
      expectRejected(site(PRIMARY, [MIRROR, 'https://WWW.PRESSTV.IR']), 'alternateOrigins[1]');
      expectRejected(site(PRIMARY, [ONION, ONION.toUpperCase()]), 'alternateOrigins[1]');
    });

    it('differing only by the default port or a trailing slash', function () {
      expectRejected(site(PRIMARY, [MIRROR, 'https://www.presstv.ir:443']), 'alternateOrigins[1]');
      expectRejected(site(PRIMARY, [MIRROR, 'https://www.presstv.ir/']), 'alternateOrigins[1]');
      expectRejected(site(PRIMARY, [ONION, `${ONION}:80`]), 'alternateOrigins[1]');
    });

    it('the same host under the other scheme (a Host header cannot tell them apart)', function () {
      expectRejected(site(PRIMARY, [MIRROR, 'http://www.presstv.ir']), 'alternateOrigins[1]');
      expectRejected(site(PRIMARY, ['http://www.presstv.com:80']), 'alternateOrigins[0]');
    });

    // Regression: `http://www.presstv.ir:443` next to `https://www.presstv.ir` would both answer
    // to the Host `www.presstv.ir:443` (the resolver adds the https default port).
    it('two origins that answer to the same Host value (http on :443 next to https)', function () {
      expectRejected(site(PRIMARY, [MIRROR, 'http://www.presstv.ir:443']), 'alternateOrigins[1]');
    });

    it('every duplicate is named, not only the first', function () {
      expectRejected(site(PRIMARY, [MIRROR, MIRROR, ONION, PRIMARY]), 'alternateOrigins[1]', 'alternateOrigins[3]');
    });
  });

  describe('malformed origins', function () {
    // Hosts other than the configured ones, so that only the shape can be at fault.
    const BAD: [string, unknown][] = [
      ['a path', 'https://feeds.presstv.example/news'],
      ['a path with a trailing slash', 'https://feeds.presstv.example/feeds/'],
      ['a dot path', 'https://feeds.presstv.example/.'],
      ['a query', 'https://feeds.presstv.example?lang=en'],
      ['a query after a slash', 'https://feeds.presstv.example/?lang=en'],
      ['a fragment', 'https://feeds.presstv.example#top'],
      ['ftp', 'ftp://feeds.presstv.example'],
      ['ws', 'ws://feeds.presstv.example'],
      ['file', 'file:///etc/passwd'],
      ['javascript', 'javascript:alert(1)'],
      ['mailto', 'mailto:news@presstv.example'],
      ['no scheme', 'feeds.presstv.example'],
      ['scheme-relative', '//feeds.presstv.example'],
      ['one slash', 'https:/feeds.presstv.example'],
      ['no slashes', 'https:feeds.presstv.example'],
      ['words', 'not a url'],
      ['spaces in the host', 'https://www presstv ir'],
      ['no host', 'https://'],
      ['an empty string', ''],
      ['a port out of range', 'https://feeds.presstv.example:99999'],
      ['credentials', 'https://user:secret@feeds.presstv.example'],
      ['a trailing dot', 'https://feeds.presstv.example.'],
      ['a number', 42],
      ['null', null],
      ['a boolean', true],
      ['an object', { href: MIRROR }],
      ['an array', [MIRROR]],
    ];

    for (const [what, value] of BAD) {
      it(`${what} (${JSON.stringify(value)}) as an alternate names alternateOrigins[1]`, function () {
        expectRejected(site(PRIMARY, [MIRROR, value]), 'alternateOrigins[1]');
      });
      it(`${what} (${JSON.stringify(value)}) as the primary names origin`, function () {
        expectRejected(site(value, [MIRROR, ONION]), 'origin');
      });
    }

    it('a missing primary names origin', function () {
      expectRejected(site(undefined, [MIRROR]), 'origin');
    });

    it('alternateOrigins that is not an array names alternateOrigins', function () {
      expectRejected(site(PRIMARY, MIRROR), 'alternateOrigins');
      expectRejected(site(PRIMARY, { 0: MIRROR }), 'alternateOrigins');
    });

    it('a bad primary and a bad alternate are both named', function () {
      expectRejected(site('https://www.presstv.com/news', [MIRROR, 'ftp://x.example', ONION]), 'origin', 'alternateOrigins[1]');
    });

    // Regression: a backslash path (the URL parser reads `\` as `/` in http(s) URLs) or a bare
    // `?` / `#` must be rejected, not silently dropped.
    for (const value of ['https://feeds.presstv.example\\news', 'https://feeds.presstv.example?', 'https://feeds.presstv.example#']) {
      it(`${JSON.stringify(value)} is rejected, not silently truncated`, function () {
        expectRejected(site(PRIMARY, [MIRROR, value]), 'alternateOrigins[1]');
      });
    }
  });
});
