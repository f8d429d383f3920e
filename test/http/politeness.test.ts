// Politeness (issue 6): off by default; when on, a client polling one document without
// validators more often than the period allows gets 429 with Retry-After — never for a
// conditional request, and never for other clients behind the same address.
import { expect } from 'chai';
import { get, makeDataDir, removeDir, sampleSite, startService } from '../support/fixtures.js';

describe('politeness', () => {
  it('is off by default: many unconditional requests are all answered', async () => {
    const dir = makeDataDir();
    const t = await startService(dir);
    try {
      for (let i = 0; i < 20; i += 1) expect((await get(t.port, '/rss.xml', { 'User-Agent': 'eager' })).status).to.equal(200);
    } finally {
      await t.close();
      removeDir(dir);
    }
  });

  it('when on, answers 429 with Retry-After past the limit, only that client, never conditional requests', async () => {
    const dir = makeDataDir({ site: { ...sampleSite(), unconditionalPerPeriod: 3 } });
    const t = await startService(dir);
    try {
      const eager = { 'User-Agent': 'EagerReader/1.0' };
      const statuses: number[] = [];
      for (let i = 0; i < 5; i += 1) statuses.push((await get(t.port, '/rss.xml', eager)).status);
      expect(statuses).to.deep.equal([200, 200, 200, 429, 429]);
      const limited = await get(t.port, '/rss.xml', eager);
      expect(limited.status).to.equal(429);
      const wait = Number(limited.headers['retry-after']);
      expect(wait).to.be.within(1, 60);
      expect(limited.headers['cache-control']).to.equal('no-store');
      // Conditional requests from the same client are always answered.
      const first = await get(t.port, '/atom.xml');
      const etag = String(first.headers.etag);
      for (let i = 0; i < 6; i += 1) expect((await get(t.port, '/rss.xml', { ...eager, 'If-None-Match': '"other"' })).status).to.equal(200);
      for (let i = 0; i < 6; i += 1) expect((await get(t.port, '/atom.xml', { ...eager, 'If-None-Match': etag })).status).to.equal(304);
      // Another reader behind the same address, and the same reader on another document, are not punished.
      expect((await get(t.port, '/rss.xml', { 'User-Agent': 'OtherReader/2.0' })).status).to.equal(200);
      expect((await get(t.port, '/feed.json', eager)).status).to.equal(200);
      expect((await get(t.port, '/rss.xml', eager, 'HEAD')).status).to.equal(200);
    } finally {
      await t.close();
      removeDir(dir);
    }
  });

  it('rejects a bad setting, naming it', async () => {
    const { validateSiteConfig } = await import('../../src/core/site.js');
    const { isCronExpression } = await import('../../src/compile/schedule.js');
    expect(() => validateSiteConfig({ ...sampleSite(), unconditionalPerPeriod: 0 }, isCronExpression)).to.throw(/unconditionalPerPeriod/);
  });
});
