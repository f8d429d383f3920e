// site.json's keys of the built-in hub (issue 14): `hub` and `hubCallbackAllowPrivate`.
import { expect } from 'chai';
import { isCronExpression } from '../../src/compile/schedule.js';
import { validateSiteConfig } from '../../src/core/site.js';
import { sampleSite } from '../support/fixtures.js';

describe('the built-in hub settings (issue 14)', () => {
  it('are off by default: no hub, no private callbacks', () => {
    const site = validateSiteConfig(sampleSite(), isCronExpression);
    expect(site.hub).to.equal(undefined);
    expect(site.hubCallbackAllowPrivate).to.equal(false);
  });

  it('take "builtin" and a boolean', () => {
    const site = validateSiteConfig({ ...sampleSite(), hub: 'builtin', hubCallbackAllowPrivate: true }, isCronExpression);
    expect(site.hub).to.equal('builtin');
    expect(site.hubCallbackAllowPrivate).to.equal(true);
  });

  it('refuse other values, naming the key', () => {
    expect(() => validateSiteConfig({ ...sampleSite(), hub: 'https://pubsubhubbub.appspot.com/' }, isCronExpression)).to.throw(/site\.json: hub must be "builtin"/);
    expect(() => validateSiteConfig({ ...sampleSite(), hub: true }, isCronExpression)).to.throw(/hub must be "builtin"/);
    expect(() => validateSiteConfig({ ...sampleSite(), hubCallbackAllowPrivate: 'yes' }, isCronExpression)).to.throw(/hubCallbackAllowPrivate must be true or false/);
  });
});
