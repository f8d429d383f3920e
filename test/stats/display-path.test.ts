// `feedwright stats` shows paths as people read them, like the /stats page (issue 12).
import { expect } from 'chai';
import { displayPath, formatStatsReport } from '../../src/stats/stats-command.js';
import type { StatsReport } from '../../src/stats/report.js';

describe('stats paths as people read them (src/stats/stats-command.ts)', () => {
  it('decodes percent-encoded UTF-8, keeps reserved characters encoded, re-encodes controls and bidi overrides, leaves malformed encoding', () => {
    expect(displayPath('/tags/%D8%AA%D9%87%D8%B1%D8%A7%D9%86/rss.xml')).to.equal('/tags/تهران/rss.xml');
    expect(displayPath('/tags/a%2Fb/rss.xml')).to.equal('/tags/a%2Fb/rss.xml');
    expect(displayPath('/tags/%E2%80%AEevil/rss.xml')).to.equal('/tags/%E2%80%AEevil/rss.xml');
    expect(displayPath('/tags/%0A/rss.xml')).to.equal('/tags/%0A/rss.xml');
    expect(displayPath('/tags/%E0%A4/rss.xml')).to.equal('/tags/%E0%A4/rss.xml');
    expect(displayPath('/rss.xml')).to.equal('/rss.xml');
  });

  it('the terminal table names a tag feed in its own script', () => {
    const figures = { requests: 3, ok: 2, notModified: 1, notModifiedShare: 1 / 3, bytes: 10, bytesByCoding: { identity: 0, gzip: 10, br: 0 }, subscribers: 0, subscribersByAggregator: {}, readersToday: 1, byFamily: [] };
    const report = { from: '2026-11-24T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', days: 7, site: figures, origins: [], feeds: [{ path: '/tags/%D8%AA%D9%87%D8%B1%D8%A7%D9%86/rss.xml', ...figures }] } as unknown as StatsReport;
    const lines = formatStatsReport(report).join('\n');
    expect(lines).to.include('/tags/تهران/rss.xml');
    expect(lines).to.not.include('%D8');
  });
});
