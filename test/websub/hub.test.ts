// The built-in WebSub hub end to end (issue 14): a real service on SQLite with `"hub":
// "builtin"`, and real subscribers listening on loopback (allowed by hubCallbackAllowPrivate).
// W3C WebSub §5.1 (subscribe), §5.3 (verification of intent), §7 (content distribution).
import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { loadSiteConfig } from '../../src/config.js';
import { createService, type Service } from '../../src/service.js';
import type { HubTuning } from '../../src/websub/hub.js';
import { get, makeDataDir, removeDir, ROOT, sampleSite, waitUntil } from '../support/fixtures.js';
import { startSubscriber } from './subscriber.js';

const PRIMARY = 'https://www.presstv.com';
const MIRROR = 'https://www.presstv.ir';
const TUNING: HubTuning = { lease: { defaultSeconds: 600, minSeconds: 1, maxSeconds: 3600 }, retryBaseMs: 50, retryMaxMs: 200, maxAttempts: 3, sweepMs: 100, limits: { timeoutMs: 10_000, maxResponseBytes: 4096 } };

/** Starts the service with the hub on (and the site settings given), compiled once. */
async function startHubService(site: Record<string, unknown>): Promise<{ service: Service; port: number; dataDir: string }> {
  const dataDir = makeDataDir({ site });
  const service = createService({ site: loadSiteConfig(dataDir), databaseFile: join(dataDir, 'feedwright.db'), articlesDir: join(dataDir, 'articles'), publicDir: join(ROOT, 'public'), schedule: false, log: () => {}, renderThreads: 0, hubTuning: TUNING });
  const port = await service.listen(0, '127.0.0.1');
  await service.compiler.compile();
  return { service, port, dataDir };
}

/** POSTs a WebSub form to the service's /websub. */
function hubRequest(port: number, params: Record<string, string>) {
  return get(port, '/websub', { 'Content-Type': 'application/x-www-form-urlencoded' }, 'POST', new URLSearchParams(params).toString());
}

/** A new article the writer publishes: the feeds change. */
function article(n: number) {
  return { id: `hub-test-${n}`, path: `/Detail/2016/07/10/${n}/Hub-test`, title: `Hub test ${n}`, body: `<p>Body ${n}</p>`, published: `2016-07-10T10:${String(n).padStart(2, '0')}:00+04:30`, section: ['News', 'Iran'] };
}

describe('the built-in WebSub hub (issue 14)', function () {
  this.timeout(120_000);
  let svc: Awaited<ReturnType<typeof startHubService>>;
  let sub: Awaited<ReturnType<typeof startSubscriber>>;
  let writes = 0;
  const publish = async () => {
    writes += 1;
    await svc.service.writer.put([article(writes)]);
    await svc.service.writer.flushed();
  };
  const subscribed = async (topic: string, callback: string) => (await svc.service.store.listSubscriptions(Date.now(), topic)).find((s) => s.callback === callback);
  /** The identity body the service serves for a topic (what a delivery must carry). */
  const served = async (origin: string, path: string) => get(svc.port, path, { Host: new URL(origin).host });

  before(async () => {
    svc = await startHubService({ ...sampleSite(), hub: 'builtin', hubCallbackAllowPrivate: true });
    sub = await startSubscriber();
  });
  after(async () => {
    await svc.service.close();
    await new Promise((r) => sub.server.close(r));
    removeDir(svc.dataDir);
  });

  it('bounds the verifications in flight to one callback host: the fifth waiting one is 429 with Retry-After, and a slot frees when one ends (review finding)', async () => {
    // A callback host that holds every verification GET until told to answer.
    const held: import('node:http').ServerResponse[] = [];
    const { createServer } = await import('node:http');
    const slow = createServer((_req, res) => void held.push(res));
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const port = (slow.address() as import('node:net').AddressInfo).port;
    try {
      const ask = (n: number) => hubRequest(svc.port, { 'hub.mode': 'subscribe', 'hub.topic': `${PRIMARY}/rss.xml`, 'hub.callback': `http://127.0.0.1:${port}/cb?n=${n}` });
      for (let n = 1; n <= 4; n += 1) expect((await ask(n)).status, `request ${n}`).to.equal(202);
      await waitUntil('the four verifications reach the callback', () => held.length === 4);
      const refused = await ask(5);
      expect(refused.status).to.equal(429);
      expect(refused.headers['retry-after']).to.equal('30');
      expect(refused.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(held.length, 'no fifth request reached the callback').to.equal(4);
      // One verification ends (a wrong echo: not verified): its slot is free again.
      held.shift()?.end('not the challenge');
      await waitUntil('a slot frees', async () => (await ask(6)).status === 202);
      await waitUntil('the sixth verification reaches the callback', () => held.length === 4);
    } finally {
      for (const res of held) res.end('no');
      await new Promise((r) => slow.close(r));
    }
    expect(await subscribed(`${PRIMARY}/rss.xml`, `http://127.0.0.1:${port}/cb?n=1`)).to.equal(undefined);
  });

  it('refuses a foreign topic, a document that is not a feed and malformed requests with 4xx problem+json', async () => {
    const cb = `${sub.base}/refused`;
    for (const [params, status, field] of [
      [{ 'hub.mode': 'subscribe', 'hub.topic': 'https://example.org/rss.xml', 'hub.callback': cb }, 400, 'hub.topic'],
      [{ 'hub.mode': 'subscribe', 'hub.topic': `${PRIMARY}/feeds.opml`, 'hub.callback': cb }, 400, 'hub.topic'],
      [{ 'hub.mode': 'subscribe', 'hub.topic': `${PRIMARY}/tags/no-such-tag/rss.xml`, 'hub.callback': cb }, 400, 'hub.topic'],
      [{ 'hub.mode': 'publish', 'hub.topic': `${PRIMARY}/rss.xml`, 'hub.callback': cb }, 400, 'hub.mode'],
      [{ 'hub.mode': 'subscribe', 'hub.topic': `${PRIMARY}/rss.xml` }, 400, 'hub.callback'],
      [{ 'hub.mode': 'subscribe', 'hub.topic': `${PRIMARY}/rss.xml`, 'hub.callback': cb, 'hub.secret': 'x'.repeat(200) }, 400, 'hub.secret'],
      [{ 'hub.mode': 'subscribe', 'hub.topic': `${PRIMARY}/rss.xml`, 'hub.callback': cb, 'hub.lease_seconds': '-5' }, 400, 'hub.lease_seconds'],
      [{ 'hub.mode': 'subscribe', 'hub.topic': `${PRIMARY}/rss.xml`, 'hub.callback': 'ftp://127.0.0.1/x' }, 403, 'hub.callback'],
      [{ 'hub.mode': 'subscribe', 'hub.topic': `${PRIMARY}/rss.xml`, 'hub.callback': 'http://169.254.169.254/latest' }, 403, 'hub.callback'],
    ] as const) {
      const res = await hubRequest(svc.port, params);
      expect(res.status, JSON.stringify(params)).to.equal(status);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(JSON.parse(res.text).errors[0].field).to.equal(field);
    }
    expect((await get(svc.port, '/websub')).status).to.equal(405);
    await svc.service.hub?.whenIdle();
    expect(sub.of('/refused', 'GET')).to.deep.equal([]);
  });

  it('verifies a subscription by challenge, then delivers each new body with its headers and HMAC signature', async () => {
    const topic = `${PRIMARY}/rss.xml`;
    const mirrorTopic = `${MIRROR}/atom.xml`;
    const secret = 'a shared secret';
    const res = await hubRequest(svc.port, { 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': `${sub.base}/a`, 'hub.secret': secret, 'hub.lease_seconds': '999999' });
    expect(res.status).to.equal(202);
    expect((await hubRequest(svc.port, { 'hub.mode': 'subscribe', 'hub.topic': mirrorTopic, 'hub.callback': `${sub.base}/m` })).status).to.equal(202);
    const stored = await waitUntil('the subscription is stored', () => subscribed(topic, `${sub.base}/a`));
    await waitUntil('the mirror subscription is stored', () => subscribed(mirrorTopic, `${sub.base}/m`));
    // §5.3.1: the verification GET carries mode, topic, challenge and the lease granted (clamped).
    const check = sub.of('/a', 'GET')[0];
    expect(check?.query.get('hub.mode')).to.equal('subscribe');
    expect(check?.query.get('hub.topic')).to.equal(topic);
    expect(check?.query.get('hub.challenge')).to.have.length.greaterThan(20);
    expect(check?.query.get('hub.lease_seconds')).to.equal('3600');
    expect(stored.leaseSeconds).to.equal(3600);
    expect(stored.secret).to.equal(secret);

    await publish();
    const [delivery] = await waitUntil('a delivery to /a', () => sub.of('/a', 'POST').length > 0 && sub.of('/a', 'POST'));
    const now = await served(PRIMARY, '/rss.xml');
    expect(delivery?.body.equals(now.body), 'the body served now').to.equal(true);
    expect(delivery?.body.toString()).to.include(`Hub test ${writes}`);
    expect(delivery?.headers['content-type']).to.equal(now.headers['content-type']);
    expect(delivery?.headers.link).to.equal(`<${PRIMARY}/websub>; rel="hub", <${topic}>; rel="self"`);
    expect(delivery?.headers['x-hub-signature']).to.equal(`sha256=${createHmac('sha256', secret).update(now.body).digest('hex')}`);
    // Another secret gives another signature: the header is the body's HMAC with this secret.
    expect(delivery?.headers['x-hub-signature']).not.to.equal(`sha256=${createHmac('sha256', 'other').update(now.body).digest('hex')}`);

    // The mirror's topic is its own: its body has the mirror's links, and no signature without a secret.
    const [m] = await waitUntil('a delivery to /m', () => sub.of('/m', 'POST').length > 0 && sub.of('/m', 'POST'));
    const mirrored = await served(MIRROR, '/atom.xml');
    expect(m?.body.equals(mirrored.body)).to.equal(true);
    expect(m?.body.toString()).to.include(MIRROR);
    expect(m?.headers.link).to.equal(`<${MIRROR}/websub>; rel="hub", <${mirrorTopic}>; rel="self"`);
    expect(m?.headers['x-hub-signature']).to.equal(undefined);
  });

  it('stores nothing when the callback does not echo the challenge or answers with a redirect (never followed)', async () => {
    const topic = `${PRIMARY}/feed.json`;
    sub.behave.set('/wrong', { verify: 'wrong' });
    sub.behave.set('/moved', { verify: 'redirect' });
    for (const path of ['/wrong', '/moved']) expect((await hubRequest(svc.port, { 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': `${sub.base}${path}` })).status).to.equal(202);
    await svc.service.hub?.whenIdle();
    expect(sub.of('/wrong', 'GET')).to.have.length(1);
    expect(sub.of('/moved', 'GET')).to.have.length(1);
    expect(sub.of('/echo', 'GET'), 'the redirect is not followed').to.deep.equal([]);
    expect(await svc.service.store.listSubscriptions(0, topic)).to.deep.equal([]);
  });

  it('stops delivering after a verified unsubscribe, and after the lease ends (the sweep removes it)', async () => {
    const topic = `${PRIMARY}/sections/news/rss.xml`;
    for (const [path, lease] of [['/control', '3600'], ['/leaving', '3600'], ['/short', '1']] as const) {
      expect((await hubRequest(svc.port, { 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': `${sub.base}${path}`, 'hub.lease_seconds': lease })).status).to.equal(202);
      await waitUntil(`${path} is stored`, () => subscribed(topic, `${sub.base}${path}`));
    }
    expect((await hubRequest(svc.port, { 'hub.mode': 'unsubscribe', 'hub.topic': topic, 'hub.callback': `${sub.base}/leaving` })).status).to.equal(202);
    await waitUntil('the unsubscribe is verified', async () => (await subscribed(topic, `${sub.base}/leaving`)) === undefined);
    const unsub = sub.of('/leaving', 'GET').at(-1);
    expect(unsub?.query.get('hub.mode')).to.equal('unsubscribe');
    expect(unsub?.query.has('hub.lease_seconds')).to.equal(false);
    const short = (await svc.service.store.listSubscriptions(0, topic)).find((s) => s.callback === `${sub.base}/short`);
    expect(short?.leaseSeconds).to.equal(1);
    await waitUntil('the short lease has ended', () => Date.now() > (short?.expiresAt ?? 0) + 10);

    await publish();
    await waitUntil('the control subscriber gets the change', () => sub.of('/control', 'POST').length > 0);
    await svc.service.hub?.whenIdle();
    expect(sub.of('/control', 'POST')[0]?.body.toString()).to.include(`Hub test ${writes}`);
    expect(sub.of('/leaving', 'POST')).to.deep.equal([]);
    expect(sub.of('/short', 'POST')).to.deep.equal([]);
    await waitUntil('the sweep removes the expired subscription', async () => !(await svc.service.store.listSubscriptions(0, topic)).some((s) => s.callback === `${sub.base}/short`));
  });

  it('lets a subscriber leave a topic no longer published (a mirror since dropped), but not subscribe to it', async () => {
    const gone = 'https://old-mirror.example/rss.xml';
    const cb = `${sub.base}/leftover`;
    await svc.service.store.putSubscription({ topic: gone, callback: cb, leaseSeconds: 3600, expiresAt: Date.now() + 3_600_000, createdAt: 1000, verifiedAt: 1000 });
    expect((await hubRequest(svc.port, { 'hub.mode': 'subscribe', 'hub.topic': gone, 'hub.callback': cb })).status).to.equal(400);
    expect((await hubRequest(svc.port, { 'hub.mode': 'unsubscribe', 'hub.topic': 'https://old-mirror.example/atom.xml', 'hub.callback': cb })).status).to.equal(400);
    expect((await hubRequest(svc.port, { 'hub.mode': 'unsubscribe', 'hub.topic': gone, 'hub.callback': cb })).status).to.equal(202);
    await waitUntil('the leftover subscription is removed', async () => (await svc.service.store.listSubscriptions(0, gone)).length === 0);
    expect(sub.of('/leftover', 'GET').map((g) => g.query.get('hub.mode'))).to.deep.equal(['unsubscribe']);
  });

  it('retries a failed delivery with the same body, and removes a subscription answered 410 Gone', async () => {
    const topic = `${PRIMARY}/sections/news/iran/atom.xml`;
    sub.behave.set('/flaky', { deliveries: [503, 500, 200] });
    sub.behave.set('/gone', { deliveries: [410] });
    for (const path of ['/flaky', '/gone']) {
      expect((await hubRequest(svc.port, { 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': `${sub.base}${path}` })).status).to.equal(202);
      await waitUntil(`${path} is stored`, () => subscribed(topic, `${sub.base}${path}`));
    }
    await publish();
    const attempts = await waitUntil('three attempts to /flaky', () => sub.of('/flaky', 'POST').length >= 3 && sub.of('/flaky', 'POST'));
    await svc.service.hub?.whenIdle();
    expect(sub.of('/flaky', 'POST')).to.have.length(3);
    expect(attempts.every((a) => a.body.equals(attempts[0]?.body as Buffer))).to.equal(true);
    expect(sub.of('/gone', 'POST')).to.have.length(1);
    expect(await subscribed(topic, `${sub.base}/gone`)).to.equal(undefined);
    expect(await subscribed(topic, `${sub.base}/flaky`)).not.to.equal(undefined);
  });
});

describe('the built-in WebSub hub without hubCallbackAllowPrivate (issue 14)', function () {
  this.timeout(120_000);
  it('refuses callbacks on loopback and private addresses with 403, before any request to them', async () => {
    const svc = await startHubService({ ...sampleSite(), hub: 'builtin' });
    const sub = await startSubscriber();
    try {
      const port = new URL(sub.base).port;
      for (const callback of [`${sub.base}/private`, `http://localhost:${port}/private`, `http://[::1]:${port}/private`, `http://[::ffff:127.0.0.1]:${port}/private`, 'http://10.0.0.8/cb', 'http://192.168.1.2/cb', 'http://100.64.0.1/cb', 'http://[fd00::1]/cb']) {
        const res = await hubRequest(svc.port, { 'hub.mode': 'subscribe', 'hub.topic': `${PRIMARY}/rss.xml`, 'hub.callback': callback });
        expect(res.status, callback).to.equal(403);
        expect(JSON.parse(res.text).detail).to.match(/loopback, private or link-local/);
      }
      await svc.service.hub?.whenIdle();
      expect(sub.seen).to.deep.equal([]);
      expect(await svc.service.store.listSubscriptions(0)).to.deep.equal([]);
    } finally {
      await svc.service.close();
      await new Promise((r) => sub.server.close(r));
      removeDir(svc.dataDir);
    }
  });

  it('is off without "hub": "builtin": /websub is not found', async () => {
    const svc = await startHubService(sampleSite());
    try {
      expect(svc.service.hub).to.equal(undefined);
      expect((await hubRequest(svc.port, { 'hub.mode': 'subscribe', 'hub.topic': `${PRIMARY}/rss.xml`, 'hub.callback': 'http://127.0.0.1/x' })).status).to.equal(404);
    } finally {
      await svc.service.close();
      removeDir(svc.dataDir);
    }
  });
});
