// RFC 5005 archive months in the site's time zone: month of an instant, the instants a month
// spans (zones far from UTC included: Pacific/Apia at +13/+14, and the December it lost a day),
// and the archive paths read back.
import { expect } from 'chai';
import fc from 'fast-check';
import { archivePath, isMonthKey, monthBounds, monthOf, nextMonthKey, parseArchivePath } from '../../src/core/archive-months.js';
import { parseDate } from '../../src/core/dates.js';

const ZONES = ['UTC', 'Asia/Tehran', 'Pacific/Apia', 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'America/Sao_Paulo', 'Australia/Lord_Howe', 'Europe/London'];

describe('archive months (RFC 5005, site time zone)', () => {
  it('reads the month on the zone wall clock: in Apia (+13) 2016-06-30T11:00Z is already July', () => {
    expect(monthOf(Date.parse('2016-06-30T10:59:59Z'), 'Pacific/Apia')).to.equal('2016-06');
    expect(monthOf(Date.parse('2016-06-30T11:00:00Z'), 'Pacific/Apia')).to.equal('2016-07');
    expect(monthOf(Date.parse('2016-06-30T11:00:00Z'), 'UTC')).to.equal('2016-06');
    // American Samoa, the other side of the date line (−11): still June until 2016-07-01T11:00Z.
    expect(monthOf(Date.parse('2016-07-01T10:59:59Z'), 'Pacific/Pago_Pago')).to.equal('2016-06');
  });

  it('gives a month as local midnight to local midnight, across Apia skipping 2011-12-30', () => {
    expect(monthBounds('2016-07', 'Pacific/Apia')).to.deep.equal({ from: Date.parse('2016-06-30T11:00:00Z'), to: Date.parse('2016-07-31T11:00:00Z') });
    // Southern summer: +14 in January 2016.
    expect(monthBounds('2016-01', 'Pacific/Apia').from).to.equal(Date.parse('2015-12-31T10:00:00Z'));
    // December 2011 started at −10 and ended at +14: 29 days long.
    const dec = monthBounds('2011-12', 'Pacific/Apia');
    expect(dec).to.deep.equal({ from: Date.parse('2011-12-01T10:00:00Z'), to: Date.parse('2011-12-31T10:00:00Z') });
    expect(monthBounds('2016-07', 'Asia/Tehran').from).to.equal(parseDate('2016-07-01T00:00:00', 'Asia/Tehran'));
  });

  it('partitions time: every instant lies in exactly the month monthOf names, and months tile (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1901, 0, 1), max: Date.UTC(2099, 11, 1) }), fc.constantFrom(...ZONES), (ms, zone) => {
        const month = monthOf(ms, zone);
        const { from, to } = monthBounds(month, zone);
        expect(from <= ms && ms < to, `${new Date(ms).toISOString()} in ${month} ${zone}`).to.equal(true);
        expect(monthBounds(nextMonthKey(month), zone).from).to.equal(to);
        expect(monthOf(from, zone)).to.equal(month);
        expect(monthOf(to - 1, zone)).to.equal(month);
      }),
      { numRuns: 2000 },
    );
  });

  it('writes and reads archive paths of the site, sections (percent-encoded) and tags', () => {
    expect(archivePath('', '2016-07', 'rss')).to.equal('/archive/2016/07/rss.xml');
    expect(archivePath('sections/news/russia', '2016-07', 'atom')).to.equal('/sections/news/russia/archive/2016/07/atom.xml');
    expect(archivePath('tags/فارسی', '2016-12', 'json')).to.equal(`/tags/${encodeURIComponent('فارسی')}/archive/2016/12/feed.json`);
    for (const [key, month, format] of [['', '2016-07', 'rss'], ['sections/news/russia', '1999-01', 'json'], ['tags/فارسی', '2016-12', 'atom']] as const) {
      expect(parseArchivePath(archivePath(key, month, format))).to.deep.equal({ scopeKey: key, month, format });
    }
    for (const bad of ['/archive/2016/13/rss.xml', '/archive/2016/00/rss.xml', '/archive/1899/12/rss.xml', '/archive/2016/07/index.html', '/other/x/archive/2016/07/rss.xml', '/tags/a/b/archive/2016/07/rss.xml', '/tags/a%2Fb/archive/2016/07/rss.xml', '/tags/%E0/archive/2016/07/rss.xml', '/sections/archive/2016/07/rss.xml']) {
      expect(parseArchivePath(bad), bad).to.equal(undefined);
    }
    expect(isMonthKey('2016-07')).to.equal(true);
    expect(isMonthKey('2016-7')).to.equal(false);
    expect(nextMonthKey('2016-12')).to.equal('2017-01');
  });
});
