// WebSub publish pings (issue 14, part 2; W3C WebSub §7): a real service, real loopback hubs
// (test/support/websub-hub.ts). After a write, each configured hub gets one publish per changed
// topic per origin and nothing for a compile or a restart that changed nothing; a hub answering
// 500 is retried with growing delays; a failing hub's circuit opens and closes; a hub that hangs
// does not hold back the next publish (shown by the order of events, not by timing). /healthz
// shows each hub's last success and failure, with the token only.
import { expect } from 'chai';
import { FORMAT_FILES, feedPath, FORMATS } from '../../src/core/scopes.js';
import { backoffDelay, createWebSubPublisher, type PingEvent } from '../../src/websub/publisher.js';
import { HEALTH_TOKEN, get, healthOf, makeDataDir, removeDir, sampleSite, startService, waitUntil, type TestService } from '../support/fixtures.js';
import { startTestHub, type TestHub } from '../support/websub-hub.js';

const ORIGINS = ['https://www.presstv.com', 'https://www.presstv.ir'];
const IS_FEED = new RegExp(`/(${Object.values(FORMAT_FILES).map((f) => f.replace('.', '\\.')).join('|')})$`);

/** A new article in News / Russia tagged Syria: four feeds change (site, two sections, one tag). */
function article(id: string, title: string): Record<string, unknown> {
  return { id, path: `/Detail/2026/11/30/${id}`, title, body: `<p>${title}</p>`, published: '2016-07-10T10:00:00Z', section: ['News', 'Russia'], tags: ['Syria'] };
}
const CHANGED_SCOPES = ['', 'sections/news', 'sections/news/russia', 'tags/syria'];
const changedTopics = () => CHANGED_SCOPES.flatMap((k) => FORMATS.flatMap((f) => ORIGINS.map((o) => o + feedPath(k, f)))).sort();

/** Every feed topic of the served set, on every origin. */
function allTopics(t: TestService): string[] {
  const set = t.service.compiler.current();
  return [...(set?.documents.keys() ?? [])].filter((p) => IS_FEED.test(p)).flatMap((p) => ORIGINS.map((o) => o + p)).sort();
}

const sorted = (xs: string[]) => [...xs].sort();

describe('WebSub publish pings (issue 14)', function () {
  this.timeout(240_000);
  const hubs: TestHub[] = [];
  const dirs: string[] = [];
  let t: TestService | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
    for (const h of hubs.splice(0)) await h.close();
    for (const d of dirs.splice(0)) removeDir(d);
  });

  async function serviceWith(hubUrls: string[], webSub: Record<string, unknown> = {}): Promise<TestService> {
    const dir = makeDataDir({ site: { ...sampleSite(), hubs: hubUrls, hub: 'builtin' } });
    dirs.push(dir);
    return startService(dir, { apiToken: HEALTH_TOKEN, webSub: { closeGraceMs: 100, ...webSub } });
  }

  it('pings every topic once after the first publish, one per changed topic and origin after a write, none when nothing changed', async () => {
    const hub = await startTestHub();
    hubs.push(hub);
    t = await serviceWith([hub.url]);
    const publisher = t.service.publisher;
    expect(publisher, 'a publisher with hubs configured').to.not.equal(undefined);
    // Only the configured hub is pinged over HTTP; the built-in one (advertised too) never is.
    expect(publisher?.status().map((h) => h.url)).to.deep.equal([hub.url]);
    await publisher?.settled();
    expect(sorted(hub.topics())).to.deep.equal(allTopics(t));
    for (const ping of hub.received) {
      expect(ping.refused, JSON.stringify(ping)).to.equal(undefined);
      expect(ping.contentType).to.equal('application/x-www-form-urlencoded');
      expect(ping.fields).to.deep.equal([['hub.mode', 'publish'], ['hub.url', ping.topic]]);
    }

    const etagOf = async (origin: string, path: string) => (await get(t!.port, path, { Host: new URL(origin).host })).headers.etag;
    const before = await Promise.all(changedTopics().map((topic) => etagOf(topic.slice(0, topic.indexOf('/', 8)), topic.slice(topic.indexOf('/', 8)))));
    const unrelated = await etagOf(ORIGINS[1]!, '/tags/united-states/rss.xml');

    let mark = hub.received.length;
    await t.service.writer.put([article('websub-1', 'First change')]);
    await t.service.writer.flushed();
    await publisher?.settled();
    expect(sorted(hub.topics().slice(mark))).to.deep.equal(changedTopics());
    // Those are exactly the documents whose bytes changed.
    const after = await Promise.all(changedTopics().map((topic) => etagOf(topic.slice(0, topic.indexOf('/', 8)), topic.slice(topic.indexOf('/', 8)))));
    after.forEach((etag, i) => expect(etag, changedTopics()[i]).to.not.equal(before[i]));
    expect(await etagOf(ORIGINS[1]!, '/tags/united-states/rss.xml')).to.equal(unrelated);

    // A compile that changes nothing, and a write of the same article, ping nothing.
    mark = hub.received.length;
    const report = await t.service.compiler.compile();
    expect(report.published).to.equal(false);
    await t.service.writer.put([article('websub-1', 'First change')]);
    await t.service.writer.flushed();
    await publisher?.settled();
    expect(hub.received.slice(mark)).to.deep.equal([]);

    const health = await healthOf(t.port);
    expect(health.webSub.hubs).to.have.length(1);
    expect(health.webSub.hubs[0]).to.include({ url: hub.url, circuit: 'closed', queued: 0, inFlight: 0, failed: 0 });
    expect(health.webSub.hubs[0].lastSuccess.status).to.equal(204);
    expect(changedTopics()).to.include(health.webSub.hubs[0].lastSuccess.topic);
    expect(health.webSub.hubs[0].lastFailure).to.equal(null);
    expect(JSON.parse((await get(t.port, '/healthz')).text)).to.deep.equal({ status: 'ok' });

    // A restart serves the stored set again (restore): that is the baseline, not a change.
    const dir = t.dataDir;
    await t.close();
    mark = hub.received.length;
    t = await startService(dir, { apiToken: HEALTH_TOKEN, webSub: { closeGraceMs: 100 } });
    await t.service.publisher?.settled();
    expect(hub.received.slice(mark)).to.deep.equal([]);
    await t.service.writer.put([article('websub-2', 'After the restart')]);
    await t.service.writer.flushed();
    await t.service.publisher?.settled();
    expect(sorted(hub.topics().slice(mark))).to.deep.equal(changedTopics());
  });

  it('retries a hub that answers 500, each delay at least double the last floor, and shows the failure in /healthz', async () => {
    const hub = await startTestHub();
    hubs.push(hub);
    const events: PingEvent[] = [];
    const backoff = { baseMs: 40, capMs: 10_000 };
    t = await serviceWith([hub.url], { backoff, random: () => 0.5, observe: (e: PingEvent) => events.push(e), circuit: { failures: 10_000, openMs: 1000, maxOpenMs: 1000 } });
    await t.service.publisher?.settled();
    hub.behave({ kind: 'fail', times: 2 });
    const mark = hub.received.length;
    const firstEvent = events.length;
    await t.service.writer.put([article('websub-3', 'Hub trouble')]);
    await t.service.writer.flushed();
    await t.service.publisher?.settled();
    const received = hub.received.slice(mark);
    // Each changed topic: 500, 500, then 204.
    for (const topic of changedTopics()) {
      const pings = received.filter((p) => p.topic === topic);
      expect(pings.map((p) => p.status), topic).to.deep.equal([500, 500, 204]);
      const retries = events.slice(firstEvent).filter((e) => e.kind === 'retry' && e.topic === topic);
      expect(retries.map((e) => [e.attempt, e.delayMs, e.reason])).to.deep.equal([
        [1, backoffDelay(1, backoff.baseMs, backoff.capMs, () => 0.5), 'HTTP 500'],
        [2, backoffDelay(2, backoff.baseMs, backoff.capMs, () => 0.5), 'HTTP 500'],
      ]);
      // The hub saw the retries no sooner than the delays (a lower bound set by our timers; 2 ms for timer rounding).
      expect(pings[1]!.at - pings[0]!.at, topic).to.be.at.least(retries[0]!.delayMs! - 2);
      expect(pings[2]!.at - pings[1]!.at, topic).to.be.at.least(retries[1]!.delayMs! - 2);
    }
    expect(events.slice(firstEvent).filter((e) => e.kind === 'delivered').map((e) => e.topic).sort()).to.deep.equal(changedTopics());
    const [status] = (await healthOf(t.port)).webSub.hubs;
    expect(status.lastFailure.reason).to.equal('HTTP 500');
    expect(changedTopics()).to.include(status.lastFailure.topic);
    expect(Date.parse(status.lastSuccess.at)).to.be.at.least(Date.parse(status.lastFailure.at));
  });

  it('opens a failing hub\'s circuit: nothing is sent until a probe is due, one probe at a time, closed again on success', async () => {
    const hub = await startTestHub({ kind: 'fail', times: 1_000_000 });
    hubs.push(hub);
    let now = 1_000_000;
    const events: PingEvent[] = [];
    const publisher = createWebSubPublisher({
      hubs: [hub.url],
      clock: () => now,
      backoff: { baseMs: 1, capMs: 5 },
      maxAttempts: 100,
      circuit: { failures: 3, openMs: 60_000, maxOpenMs: 600_000 },
      observe: (e) => events.push(e),
      logError: () => {},
    });
    try {
      const topic = (n: number) => `https://www.presstv.com/tags/t${n}/rss.xml`;
      publisher.publish([topic(1)]);
      const opened = await waitUntil('the circuit opens', () => events.find((e) => e.kind === 'circuit-open'));
      expect(opened.delayMs).to.equal(60_000);
      expect(hub.received.map((p) => p.status)).to.deep.equal([500, 500, 500]);
      // Open (the clock has not moved): a new topic and the retry wait in the queue, nothing is sent.
      await waitUntil('the retry is queued', () => publisher.status()[0]!.retrying === 0 && publisher.status()[0]!.queued === 1);
      publisher.publish([topic(2), topic(3)]);
      expect(publisher.status()[0]).to.include({ circuit: 'open', queued: 3, inFlight: 0 });
      expect(hub.received).to.have.length(3);
      // The probe is due: exactly one request goes out; it fails, and the wait doubles.
      now += 60_000;
      publisher.publish([topic(4)]);
      expect(publisher.status()[0]).to.include({ circuit: 'half-open', inFlight: 1 });
      const reopened = await waitUntil('the failed probe reopens the circuit', () => events.filter((e) => e.kind === 'circuit-open')[1]);
      expect(reopened.delayMs).to.equal(120_000);
      expect(hub.received).to.have.length(4);
      // The hub recovers; the next probe succeeds, the circuit closes and the queue drains.
      hub.behave({ kind: 'accept', status: 202 });
      now += 120_000;
      publisher.publish([topic(5)]);
      await publisher.settled();
      const kinds = events.map((e) => e.kind).filter((k) => k === 'circuit-open' || k === 'circuit-closed');
      expect(kinds).to.deep.equal(['circuit-open', 'circuit-open', 'circuit-closed']);
      expect(sorted(hub.received.filter((p) => p.status === 202).map((p) => p.topic as string))).to.deep.equal([1, 2, 3, 4, 5].map(topic).sort());
      expect(publisher.status()[0]).to.include({ circuit: 'closed', queued: 0, delivered: 5 });
    } finally {
      await publisher.close(0);
    }
  });

  it('a hub that hangs does not hold back the next publish, nor another hub\'s pings', async () => {
    const hanging = await startTestHub({ kind: 'hang' });
    const good = await startTestHub();
    hubs.push(hanging, good);
    const order: string[] = [];
    hanging.events.on('ping', () => order.push('hanging hub received a ping'));
    t = await serviceWith([hanging.url, good.url], { timeoutMs: 3_600_000, concurrency: 2, observe: () => {} });
    t.service.compiler.onPublish((_set, how) => {
      if (!how.restored) order.push(`published while ${hanging.open()} pings hang`);
    });
    // The first publish's pings: the hanging hub holds two (its concurrency), the other gets all.
    await waitUntil('the hanging hub holds two pings', () => hanging.open() === 2);
    await waitUntil('the good hub has every topic', () => good.topics().length === allTopics(t!).length);
    for (const [i, title] of ['Second change', 'Third change'].entries()) {
      const mark = good.received.length;
      const etag = (await get(t.port, '/rss.xml')).headers.etag;
      await t.service.writer.put([article(`websub-hang-${i}`, title)]);
      await t.service.writer.flushed();
      // Served at once, while the hanging hub still has not answered a single ping.
      expect((await get(t.port, '/rss.xml')).headers.etag).to.not.equal(etag);
      expect(hanging.open()).to.equal(2);
      await waitUntil('the good hub hears of the change', () => good.topics().length - mark === changedTopics().length);
      expect(sorted(good.topics().slice(mark))).to.deep.equal(changedTopics());
    }
    expect(hanging.received).to.have.length(2);
    expect(order).to.deep.equal(['hanging hub received a ping', 'hanging hub received a ping', 'published while 2 pings hang', 'published while 2 pings hang']);
  });
});
