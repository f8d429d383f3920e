// Unit tests of the fast path's request-header logic: content coding (RFC 9110 §12.5.3),
// If-None-Match / If-Modified-Since (RFC 9110 §13) and the serving origin (design §5).
import { expect } from 'chai';
import { createOriginResolver, negotiateCoding, noneMatch, notModified } from '../../src/http/negotiate.js';
import { parseOrigin, type Origin } from '../../src/core/site.js';

function origin(value: string): Origin {
  const o = parseOrigin(value);
  if (typeof o === 'string') throw new Error(o);
  return o;
}

describe('negotiateCoding', () => {
  const cases: [string | undefined, 'br' | 'gzip' | 'identity'][] = [
    [undefined, 'identity'],
    ['', 'identity'],
    ['identity', 'identity'],
    ['gzip', 'gzip'],
    ['br', 'br'],
    ['gzip, br', 'br'],
    ['br, gzip', 'br'],
    ['gzip, deflate, br, zstd', 'br'],
    ['gzip, deflate', 'gzip'],
    ['deflate', 'identity'],
    ['x-gzip', 'gzip'],
    ['GZIP', 'gzip'],
    ['Br', 'br'],
    ['br;q=0, gzip', 'gzip'],
    ['br;Q=0, gzip', 'gzip'],
    ['gzip;q=0', 'identity'],
    ['gzip;q=0, br;q=0', 'identity'],
    ['*', 'br'],
    ['*;q=0.5, gzip', 'gzip'],
    ['*, br;q=0', 'gzip'],
    ['*, br;q=0, gzip;q=0', 'identity'],
    ['identity;q=0.5, gzip;q=0.4', 'identity'],
    ['identity;q=0.1, gzip', 'gzip'],
    [',, gzip ,', 'gzip'],
    ['br;q=0.9, gzip;q=1', 'gzip'],
  ];
  for (const [header, expected] of cases) {
    it(`${JSON.stringify(header)} → ${expected}`, () => {
      expect(negotiateCoding(header)).to.equal(expected);
      // A second call (served from the memo) gives the same answer.
      expect(negotiateCoding(header)).to.equal(expected);
    });
  }

  it('follows the client\'s weights when every listed coding has q < 1 (identity unlisted is not preferred)', () => {
    // RFC 9110 §12.5.3 makes an unlisted identity acceptable, not preferred over what the client
    // asked for; Express's own negotiator gives it the lowest listed weight.
    expect(negotiateCoding('gzip;q=0.5, br;q=0.8')).to.equal('br');
    expect(negotiateCoding('gzip;q=0.8, br;q=0.5')).to.equal('gzip');
    expect(negotiateCoding('gzip; q=0.8 , br ; q=0.5')).to.equal('gzip');
    expect(negotiateCoding('br;q=0.000, gzip;q=0.001')).to.equal('gzip');
  });

  it('falls back to identity rather than refusing when nothing is acceptable', () => {
    expect(negotiateCoding('identity;q=0')).to.equal('identity');
    expect(negotiateCoding('*;q=0')).to.equal('identity');
  });

  it('stays correct after its memo has been filled with many distinct headers', () => {
    for (let i = 0; i < 1200; i += 1) negotiateCoding(`gzip;q=0.${String(i % 9 + 1)}, x-unknown-${i}`);
    expect(negotiateCoding('br;q=0, gzip')).to.equal('gzip');
    expect(negotiateCoding('gzip, br')).to.equal('br');
    expect(negotiateCoding('gzip;q=0')).to.equal('identity');
  });
});

describe('noneMatch', () => {
  const tags = ['abc', 'abc-gz', 'abc-br'];

  it('matches the exact quoted tag of every variant', () => {
    expect(noneMatch('"abc"', tags)).to.equal(true);
    expect(noneMatch('"abc-gz"', tags)).to.equal(true);
    expect(noneMatch('"abc-br"', tags)).to.equal(true);
  });

  it('matches "*"', () => {
    expect(noneMatch('*', tags)).to.equal(true);
    expect(noneMatch(' * ', tags)).to.equal(true);
  });

  it('matches a tag anywhere in a list, with or without spaces', () => {
    expect(noneMatch('"a", "abc", "b"', tags)).to.equal(true);
    expect(noneMatch('"a","b","abc-br"', tags)).to.equal(true);
    expect(noneMatch('"abc" , "z"', tags)).to.equal(true);
  });

  it('uses weak comparison: W/"tag" matches', () => {
    expect(noneMatch('W/"abc"', tags)).to.equal(true);
    expect(noneMatch('"x", W/"abc-gz"', tags)).to.equal(true);
  });

  it('does not match other tags, prefixes, or the empty field', () => {
    expect(noneMatch('"nope"', tags)).to.equal(false);
    expect(noneMatch('"ab"', tags)).to.equal(false);
    expect(noneMatch('"abc-"', tags)).to.equal(false);
    expect(noneMatch('"abcd"', tags)).to.equal(false);
    expect(noneMatch('"a", "b"', tags)).to.equal(false);
    expect(noneMatch('', tags)).to.equal(false);
    expect(noneMatch('""', tags)).to.equal(false);
  });

  it('does not treat a quoted "*" or a list containing * as the wildcard tag', () => {
    expect(noneMatch('"*"', tags)).to.equal(false);
  });

  it('gives up on absurdly long headers instead of scanning them', () => {
    const long = `${'"x", '.repeat(3000)}"abc"`;
    expect(long.length).to.be.greaterThan(8192);
    expect(noneMatch(long, tags)).to.equal(false);
  });
});

describe('notModified', () => {
  const tags = ['abc', 'abc-gz', 'abc-br'];
  const lm = Date.UTC(2016, 6, 9, 16, 0, 0); // Sat, 09 Jul 2016 16:00:00 GMT
  const lmText = new Date(lm).toUTCString();
  const day = 86_400_000;

  it('is false for an unconditional request', () => {
    expect(notModified(undefined, undefined, tags, lm)).to.equal(false);
  });

  it('If-Modified-Since equal to or later than Last-Modified → not modified', () => {
    expect(notModified(undefined, lmText, tags, lm)).to.equal(true);
    expect(notModified(undefined, new Date(lm + day).toUTCString(), tags, lm)).to.equal(true);
  });

  it('If-Modified-Since earlier than Last-Modified, even by one second → modified', () => {
    expect(notModified(undefined, new Date(lm - day).toUTCString(), tags, lm)).to.equal(false);
    expect(notModified(undefined, new Date(lm - 1000).toUTCString(), tags, lm)).to.equal(false);
  });

  it('compares at one-second resolution (HTTP dates have no milliseconds)', () => {
    expect(notModified(undefined, new Date(lm + 999).toUTCString(), tags, lm)).to.equal(true);
  });

  it('a date two versions share (milliseconds set: changed twice in one second) needs a later If-Modified-Since', () => {
    expect(notModified(undefined, lmText, tags, lm + 1)).to.equal(false);
    expect(notModified(undefined, new Date(lm + 1000).toUTCString(), tags, lm + 1)).to.equal(true);
    expect(notModified('"abc"', lmText, tags, lm + 1)).to.equal(true);
  });

  it('ignores an If-Modified-Since that is not an HTTP-date', () => {
    for (const bad of ['yesterday', '', 'Wed, 99 Foo 2016 99:99:99 GMT', '2016-07-09T16:00:00Z', '1468080000', `${lmText} extra`, 'Sat, 09 Jul 2016 16:00:00 +0000']) {
      expect(notModified(undefined, bad, tags, lm), bad).to.equal(false);
    }
  });

  it('accepts the obsolete RFC 850 form (RFC 9110 §5.6.7)', () => {
    expect(notModified(undefined, 'Saturday, 09-Jul-16 16:00:00 GMT', tags, lm)).to.equal(true);
    expect(notModified(undefined, 'Saturday, 09-Jul-16 15:59:59 GMT', tags, lm)).to.equal(false);
  });

  it('reads the asctime form as UTC whatever the server time zone (RFC 9110 §5.6.7)', () => {
    const saved = process.env.TZ;
    try {
      for (const tz of ['UTC', 'America/New_York', 'Asia/Tehran']) {
        process.env.TZ = tz;
        expect(notModified(undefined, 'Sat Jul  9 16:00:00 2016', tags, lm), `TZ=${tz}, equal`).to.equal(true);
        expect(notModified(undefined, 'Sat Jul  9 15:59:59 2016', tags, lm), `TZ=${tz}, one second older`).to.equal(false);
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it('ignores an If-Modified-Since naming a day that does not exist', () => {
    // 31 Feb 2016 is not a valid HTTP-date; it must be ignored, not read as 2 March.
    const lmMarch = Date.UTC(2016, 2, 1, 0, 0, 0);
    expect(notModified(undefined, 'Wed, 31 Feb 2016 00:00:00 GMT', tags, lmMarch)).to.equal(false);
  });

  it('If-None-Match decides when present: a match wins over an old If-Modified-Since', () => {
    expect(notModified('"abc"', new Date(lm - day).toUTCString(), tags, lm)).to.equal(true);
  });

  it('If-None-Match decides when present: a mismatch wins over a fresh If-Modified-Since', () => {
    expect(notModified('"nope"', lmText, tags, lm)).to.equal(false);
    expect(notModified('', lmText, tags, lm)).to.equal(false);
  });

  it('If-None-Match: list, weak and * forms', () => {
    expect(notModified('"a", "abc-gz", "b"', undefined, tags, lm)).to.equal(true);
    expect(notModified('W/"abc-br"', undefined, tags, lm)).to.equal(true);
    expect(notModified('*', undefined, tags, lm)).to.equal(true);
  });
});

describe('createOriginResolver', () => {
  const origins = [origin('https://www.presstv.com'), origin('https://www.presstv.ir'), origin('http://presstv2abcdefgh.onion'), origin('http://localhost:8080')];
  const resolve = createOriginResolver(origins);

  it('finds each configured host', () => {
    expect(resolve('www.presstv.com')).to.equal(0);
    expect(resolve('www.presstv.ir')).to.equal(1);
    expect(resolve('presstv2abcdefgh.onion')).to.equal(2);
    expect(resolve('localhost:8080')).to.equal(3);
  });

  it('matches the scheme\'s default port written out', () => {
    expect(resolve('www.presstv.com:443')).to.equal(0);
    expect(resolve('www.presstv.ir:443')).to.equal(1);
    expect(resolve('presstv2abcdefgh.onion:80')).to.equal(2);
  });

  it('does not match another scheme\'s default port or a different port', () => {
    expect(resolve('www.presstv.com:80')).to.equal(-1);
    expect(resolve('www.presstv.com:8443')).to.equal(-1);
    expect(resolve('presstv2abcdefgh.onion:443')).to.equal(-1);
    expect(resolve('localhost')).to.equal(-1);
    expect(resolve('localhost:80')).to.equal(-1);
  });

  it('is case-insensitive', () => {
    expect(resolve('WWW.PressTV.com')).to.equal(0);
    expect(resolve('WWW.PRESSTV.IR:443')).to.equal(1);
  });

  it('answers -1 for unknown hosts, IP addresses, a trailing dot and no Host', () => {
    for (const host of ['evil.example', 'presstv.com', 'www.presstv.com.evil.example', '127.0.0.1', '127.0.0.1:8080', '[::1]', 'www.presstv.com.', 'www.presstv.com.:443', '', ' www.presstv.com']) {
      expect(resolve(host), JSON.stringify(host)).to.equal(-1);
    }
    expect(resolve(undefined)).to.equal(-1);
  });

  it('keeps the configured order as the index', () => {
    const reversed = createOriginResolver([...origins].reverse());
    expect(reversed('www.presstv.com')).to.equal(3);
    expect(reversed('localhost:8080')).to.equal(0);
  });
});
