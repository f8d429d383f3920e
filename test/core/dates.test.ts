// Dates written into documents (issue 9, kind 5): offsets that are not a whole number of minutes
// (local mean times before the mid-20th century) are written in UTC, never as a fractional offset;
// over every IANA zone and the years 1850–2100 each written date matches the RFC 822 / RFC 3339
// grammar and means the instant it was given.
import { expect } from 'chai';
import fc from 'fast-check';
import { createDateFormatter, parseDate, parseHttpDate, zoneOffsetSeconds } from '../../src/core/dates.js';
import { renderAll, buildFeed, contextFor, sampleSite, xmlErrors } from './helpers.js';
import { validateArticle } from '../../src/core/article.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** RFC 822 as RSS 2.0 uses it (four-digit year), with GMT or a numeric zone of whole minutes. */
const RFC822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) (GMT|[+-]\d{4})$/;
/** RFC 3339 §5.6 date-time without fractions. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(Z|[+-]\d{2}:\d{2})$/;

/** The instant an RFC 822 date names (checking the weekday too); throws when it is not one. */
function readRfc822(s: string): number {
  const m = RFC822.exec(s);
  if (!m) throw new Error(`not RFC 822: ${s}`);
  const [, dow, d, mon, y, h, mi, sec, zone] = m as unknown as string[];
  const wall = Date.UTC(Number(y), MONTHS.indexOf(mon!), Number(d), Number(h), Number(mi), Number(sec));
  let off = 0;
  if (zone !== 'GMT') {
    const zh = Number(zone!.slice(1, 3));
    const zm = Number(zone!.slice(3, 5));
    expect(zm, s).to.be.below(60);
    off = (zone!.startsWith('-') ? -1 : 1) * (zh * 60 + zm);
  }
  expect(['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][new Date(wall).getUTCDay()], s).to.equal(dow);
  return wall - off * 60_000;
}

/** The instant an RFC 3339 date names; throws when it is not one. */
function readRfc3339(s: string): number {
  const m = RFC3339.exec(s);
  if (!m) throw new Error(`not RFC 3339: ${s}`);
  const [, y, mo, d, h, mi, sec, zone] = m as unknown as string[];
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec));
  let off = 0;
  if (zone !== 'Z') {
    const zh = Number(zone!.slice(1, 3));
    const zm = Number(zone!.slice(4, 6));
    expect(zm, s).to.be.below(60);
    off = (zone!.startsWith('-') ? -1 : 1) * (zh * 60 + zm);
  }
  return wall - off * 60_000;
}

const ZONES = Intl.supportedValuesOf('timeZone');

describe('dates: offsets that are not whole minutes (issue 9, kind 5)', () => {
  it('reads 1935-03-21T10:00:00 in Asia/Tehran (+03:25:44) and writes it in UTC, not +0325.7333', () => {
    const ms = parseDate('1935-03-21T10:00:00', 'Asia/Tehran');
    expect(ms).to.equal(Date.UTC(1935, 2, 21, 6, 34, 16));
    expect(zoneOffsetSeconds(ms as number, 'Asia/Tehran')).to.equal(3 * 3600 + 25 * 60 + 44);
    const f = createDateFormatter('Asia/Tehran');
    expect(f.rfc822(ms as number)).to.equal('Thu, 21 Mar 1935 06:34:16 GMT');
    expect(f.rfc3339(ms as number)).to.equal('1935-03-21T06:34:16Z');
  });

  it('refuses the years 0000–0099 instead of reading them as 1900–1999 (Date.UTC does)', () => {
    for (const v of ['0001-01-01T00:00:00Z', '0099-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '0050-06-01T12:00:00+02:00', '0024-03-01T00:00:00']) {
      expect(parseDate(v, 'UTC'), v).to.be.a('string').and.include('outside the years 1900 to 9999');
    }
    expect(parseDate('1900-01-01T00:00:00Z', 'UTC')).to.equal(Date.UTC(1900, 0, 1));
    expect(parseHttpDate('Sat, 01 Jan 0050 00:00:00 GMT')).to.equal(new Date(Date.UTC(1950, 0, 1)).setUTCFullYear(50));
  });

  it('keeps the local offset where it is whole minutes (Tehran +03:30 and +04:30)', () => {
    const f = createDateFormatter('Asia/Tehran');
    expect(f.rfc822(Date.UTC(2016, 6, 6, 4, 0, 0))).to.equal('Wed, 06 Jul 2016 08:30:00 +0430');
    expect(f.rfc3339(Date.UTC(2024, 0, 1, 0, 0, 0))).to.equal('2024-01-01T03:30:00+03:30');
  });

  it('writes Africa/Monrovia before 1972 (−00:44:30) in UTC and after it with its offset', () => {
    const f = createDateFormatter('Africa/Monrovia');
    const before = Date.UTC(1960, 5, 1, 12, 0, 0);
    expect(f.rfc822(before)).to.equal('Wed, 01 Jun 1960 12:00:00 GMT');
    expect(f.rfc3339(before)).to.equal('1960-06-01T12:00:00Z');
    expect(f.rfc3339(Date.UTC(1980, 0, 1, 0, 0, 0))).to.equal('1980-01-01T00:00:00+00:00');
    const local = parseDate('1960-06-01T11:15:30', 'Africa/Monrovia');
    expect(local).to.equal(before);
  });

  it('a feed of such an article passes the strict parser and dates every field validly', () => {
    const site = { ...sampleSite(), timeZone: 'Asia/Tehran' };
    const result = validateArticle({ id: 'lmt', path: '/lmt', title: 'Nowruz 1314', body: '<p>Spring.</p>', published: '1935-03-21T10:00:00' }, site.timeZone);
    if (!('article' in result)) throw new Error(JSON.stringify(result.problems));
    const feed = buildFeed({ key: '', kind: 'site', label: '' }, [result.article], site);
    const docs = renderAll(feed, contextFor(site));
    expect(xmlErrors(docs.rss)).to.deep.equal([]);
    expect(xmlErrors(docs.atom)).to.deep.equal([]);
    expect(docs.rss).to.include('<pubDate>Thu, 21 Mar 1935 06:34:16 GMT</pubDate>');
    expect(docs.atom).to.include('<published>1935-03-21T06:34:16Z</published>');
    expect((JSON.parse(docs.json) as { items: { date_published: string }[] }).items[0]!.date_published).to.equal('1935-03-21T06:34:16Z');
    expect(docs.rss + docs.atom + docs.json).not.to.match(/[+-]\d{2}:?\d{2}\.\d/);
  });

  it(`every IANA zone (${ZONES.length}), years 1850–2100: RFC 822 and RFC 3339 grammar and the same instant`, () => {
    const formatters = new Map(ZONES.map((z) => [z, createDateFormatter(z)]));
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.UTC(1850, 0, 1) / 1000, max: Date.UTC(2100, 11, 31) / 1000 }),
        (zone, seconds) => {
          const ms = seconds * 1000;
          const f = formatters.get(zone)!;
          expect(readRfc822(f.rfc822(ms)), `${zone} ${f.rfc822(ms)}`).to.equal(ms);
          expect(readRfc3339(f.rfc3339(ms)), `${zone} ${f.rfc3339(ms)}`).to.equal(ms);
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('every IANA zone at fixed instants in 1850, 1900, 1935, 1960, 2000 and 2100', () => {
    const instants = [Date.UTC(1850, 0, 1, 12), Date.UTC(1900, 6, 1), Date.UTC(1935, 2, 21, 6, 34, 16), Date.UTC(1960, 5, 1), Date.UTC(2000, 0, 1), Date.UTC(2100, 11, 31, 23, 59, 59)];
    for (const zone of ZONES) {
      const f = createDateFormatter(zone);
      for (const ms of instants) {
        expect(readRfc822(f.rfc822(ms)), `${zone} ${f.rfc822(ms)}`).to.equal(ms);
        expect(readRfc3339(f.rfc3339(ms)), `${zone} ${f.rfc3339(ms)}`).to.equal(ms);
      }
    }
  });
});
