// /metrics over a real listening service: the exposition parses as Prometheus text (strictly,
// test/support/prom-text.ts), moves when requests are served (by format, status and coding; a
// 304 counts as 304), records compiles and the published set, and is refused without a token.
import { expect } from 'chai';
import { get, makeDataDir, removeDir, startService, type TestService } from '../support/fixtures.js';
import { parsePromText, sampleValue, type Family } from '../support/prom-text.js';
import { formatOfPath } from '../../src/http/metrics.js';

const TOKEN = 'metrics-token-0123456789';

describe('/metrics (Prometheus text)', () => {
  let dataDir: string;
  let t: TestService;
  const scrape = async (): Promise<Map<string, Family>> => {
    const r = await get(t.port, '/metrics', { Authorization: `Bearer ${TOKEN}` });
    expect(r.status).to.equal(200);
    expect(String(r.headers['content-type'])).to.match(/^text\/plain; version=0\.0\.4/);
    expect(r.headers['cache-control']).to.equal('no-store');
    return parsePromText(r.text);
  };

  before(async () => {
    dataDir = makeDataDir();
    t = await startService(dataDir, { apiToken: TOKEN });
  });
  after(async () => {
    await t.close();
    removeDir(dataDir);
  });

  it('parses strictly, with the types declared and the process metrics', async () => {
    const m = await scrape();
    expect(m.get('feedwright_http_requests_total')?.type).to.equal('counter');
    expect(m.get('feedwright_compile_duration_seconds')?.type).to.equal('histogram');
    expect(m.get('feedwright_last_publish_age_seconds')?.type).to.equal('gauge');
    expect(m.get('feedwright_process_resident_memory_bytes')?.samples[0]?.value).to.be.greaterThan(0);
    for (const f of m.values()) expect(f.help, f.name).to.be.a('string');
  });

  it('counts an RFC 5005 archive month (rendered on request) like a feed: 200, then 304 to its own tag', async () => {
    const before = await scrape();
    const archive = await get(t.port, '/sections/news/russia/archive/2016/07/atom.xml');
    expect(archive.status, archive.text).to.equal(200);
    const again = await get(t.port, '/sections/news/russia/archive/2016/07/atom.xml', { 'If-None-Match': String(archive.headers.etag) });
    expect(again.status).to.equal(304);
    const after = await scrape();
    const delta = (labels: Record<string, string>) => sampleValue(after, 'feedwright_http_requests_total', labels) - sampleValue(before, 'feedwright_http_requests_total', labels);
    expect(delta({ format: 'atom', status: '200', coding: 'identity' })).to.equal(1);
    expect(delta({ format: 'atom', status: '304', coding: 'identity' })).to.equal(1);
  });

  it('labels a percent-encoded spelling of a document by the document served, never as other (review finding)', async () => {
    const before = await scrape();
    const spellings: [string, string][] = [['/r%73s.xml', 'rss'], ['/rss%2Exml', 'rss'], ['/sections/news/feed%2Ejson', 'json'], ['/sections/n%65ws/atom%2exml', 'atom'], ['/sections/n%65ws/russia/archive/2016/07/atom.xml', 'atom']];
    for (const [path] of spellings) expect((await get(t.port, path)).status, path).to.equal(200);
    const after = await scrape();
    const delta = (labels: Record<string, string>) => sampleValue(after, 'feedwright_http_requests_total', labels) - sampleValue(before, 'feedwright_http_requests_total', labels);
    expect(delta({ format: 'rss', status: '200', coding: 'identity' })).to.equal(2);
    expect(delta({ format: 'json', status: '200', coding: 'identity' })).to.equal(1);
    expect(delta({ format: 'atom', status: '200', coding: 'identity' })).to.equal(2);
    expect(delta({ format: 'other', status: '200', coding: 'identity' }), 'none as other').to.equal(0);
  });

  it('counts a served feed by format, status and coding, and a 304 as 304', async () => {
    const before = await scrape();
    const rss = { format: 'rss', status: '200', coding: 'gzip' };
    const notModified = { format: 'rss', status: '304', coding: 'gzip' };
    const json = { format: 'json', status: '200', coding: 'identity' };
    const first = await get(t.port, '/rss.xml', { 'Accept-Encoding': 'gzip' });
    expect(first.status).to.equal(200);
    expect(first.headers['content-encoding']).to.equal('gzip');
    await get(t.port, '/rss.xml', { 'Accept-Encoding': 'gzip' });
    const again = await get(t.port, '/rss.xml', { 'Accept-Encoding': 'gzip', 'If-None-Match': String(first.headers.etag) });
    expect(again.status).to.equal(304);
    expect((await get(t.port, '/feed.json')).status).to.equal(200);
    const after = await scrape();
    const delta = (labels: Record<string, string>) => sampleValue(after, 'feedwright_http_requests_total', labels) - sampleValue(before, 'feedwright_http_requests_total', labels);
    expect(delta(rss)).to.equal(2);
    expect(delta(notModified)).to.equal(1);
    expect(delta(json)).to.equal(1);
    // The 304 share moved towards 1/4 of these four answers (earlier tests' answers included).
    const ratio = sampleValue(after, 'feedwright_http_not_modified_ratio');
    expect(ratio).to.be.greaterThan(0).and.lessThan(1);
    const bytes = sampleValue(after, 'feedwright_http_response_body_bytes_total', { format: 'rss' }) - sampleValue(before, 'feedwright_http_response_body_bytes_total', { format: 'rss' });
    expect(bytes).to.equal(2 * first.body.length);
  });

  it('counts what the app answers too (a 404, the API)', async () => {
    const before = await scrape();
    expect((await get(t.port, '/no-such-page')).status).to.equal(404);
    expect((await get(t.port, '/api/articles/x', { Authorization: `Bearer ${TOKEN}` })).status).to.equal(404);
    const after = await scrape();
    const delta = (labels: Record<string, string>) => sampleValue(after, 'feedwright_http_requests_total', labels) - sampleValue(before, 'feedwright_http_requests_total', labels);
    expect(delta({ format: 'other', status: '404', coding: 'none' })).to.equal(1);
    expect(delta({ format: 'api', status: '404', coding: 'none' })).to.equal(1);
  });

  it('records compiles and the published set', async () => {
    const m = await scrape();
    expect(sampleValue(m, 'feedwright_compile_duration_seconds_count')).to.be.greaterThanOrEqual(1);
    expect(sampleValue(m, 'feedwright_compiles_total', { result: 'published' })).to.be.greaterThanOrEqual(1);
    const set = t.service.compiler.current();
    expect(set).to.not.equal(undefined);
    let documents = 0;
    for (const docs of set?.documents.values() ?? []) documents += docs.length;
    expect(sampleValue(m, 'feedwright_documents')).to.equal(documents);
    expect(sampleValue(m, 'feedwright_articles')).to.equal(set?.articles);
    expect(sampleValue(m, 'feedwright_last_publish_timestamp_seconds')).to.equal((set?.publishedAt ?? 0) / 1000);
    expect(sampleValue(m, 'feedwright_last_publish_age_seconds')).to.be.greaterThanOrEqual(0);
  });

  it('leaves the gauges with no value yet absent before the first publish (never 0: "fresh"), present after it', async () => {
    const dir = makeDataDir();
    const fresh = await startService(dir, { apiToken: TOKEN, compile: false });
    const samples = (m: Map<string, Family>, name: string) => m.get(name)?.samples.map((s) => s.value);
    const scrapeOf = async (svc: TestService) => {
      const r = await get(svc.port, '/metrics', { Authorization: `Bearer ${TOKEN}` });
      expect(r.status).to.equal(200);
      return parsePromText(r.text);
    };
    const unknown = ['feedwright_last_publish_timestamp_seconds', 'feedwright_last_publish_age_seconds', 'feedwright_documents', 'feedwright_feeds', 'feedwright_articles', 'feedwright_article_file_problems', 'feedwright_http_not_modified_ratio'];
    try {
      const before = await scrapeOf(fresh);
      for (const name of unknown) {
        expect(before.get(name)?.type, name).to.equal('gauge');
        expect(samples(before, name), name).to.deep.equal([]);
      }
      await fresh.service.compiler.compile();
      const feed = await get(fresh.port, '/rss.xml');
      expect(feed.status).to.equal(200);
      const after = await scrapeOf(fresh);
      const set = fresh.service.compiler.current();
      expect(samples(after, 'feedwright_last_publish_timestamp_seconds')).to.deep.equal([(set?.publishedAt ?? Number.NaN) / 1000]);
      expect(samples(after, 'feedwright_last_publish_age_seconds')).to.have.length(1);
      expect(samples(after, 'feedwright_feeds')).to.deep.equal([set?.feeds.length]);
      expect(samples(after, 'feedwright_articles')).to.deep.equal([set?.articles]);
      expect(samples(after, 'feedwright_article_file_problems')).to.deep.equal([0]);
      expect(samples(after, 'feedwright_http_not_modified_ratio')).to.deep.equal([0]);
      expect(samples(after, 'feedwright_documents')?.[0]).to.be.greaterThan(0);
    } finally {
      await fresh.close();
      removeDir(dir);
    }
  });

  it('exposes hub ping outcomes and store errors recorded through the service', async () => {
    t.service.metrics.hubPing('https://hub.example/', 'ok');
    t.service.metrics.hubPing('https://hub.example/', 'failed');
    t.service.metrics.hubPing('https://hub.example/', 'failed');
    const m = await scrape();
    expect(sampleValue(m, 'feedwright_hub_pings_total', { hub: 'https://hub.example/', outcome: 'failed' })).to.equal(2);
    expect(m.get('feedwright_store_errors_total')?.samples.map((s) => s.labels.where).sort()).to.deep.equal(['api', 'compile']);
  });

  it('is refused without the token (401 with a Bearer challenge) and with a wrong one', async () => {
    const none = await get(t.port, '/metrics');
    expect(none.status).to.equal(401);
    expect(none.headers['www-authenticate']).to.equal('Bearer');
    expect(none.text).to.not.include('feedwright_');
    const wrong = await get(t.port, '/metrics', { Authorization: 'Bearer not-the-token-at-all' });
    expect(wrong.status).to.equal(401);
    expect(wrong.headers['www-authenticate']).to.equal('Bearer error="invalid_token"');
    const m = await scrape();
    expect(sampleValue(m, 'feedwright_auth_failures_total', { reason: 'missing' })).to.be.greaterThanOrEqual(1);
    expect(sampleValue(m, 'feedwright_auth_failures_total', { reason: 'invalid' })).to.be.greaterThanOrEqual(1);
  });

  it('is not there at all when no token is configured', async () => {
    const dir = makeDataDir();
    const open = await startService(dir, { compile: false });
    try {
      expect((await get(open.port, '/metrics')).status).to.equal(404);
    } finally {
      await open.close();
      removeDir(dir);
    }
  });
});

describe('metrics: the format label of a path', () => {
  it('names each document kind, the API and the rest', () => {
    expect(['/rss.xml', '/sections/news/atom.xml', '/tags/x/feed.json', '/feeds.opml', '/', '/tags/x/feed.html', '/api/articles/a', '/healthz', '/style.css'].map(formatOfPath)).to.deep.equal(['rss', 'atom', 'json', 'opml', 'html', 'html', 'api', 'other', 'other']);
  });
});

describe('test support: the exposition parser is strict', () => {
  const bad: [string, string][] = [
    ['no final line feed', 'a 1'],
    ['a bad metric name', '1a 1\n'],
    ['an unquoted label value', 'a{b=c} 1\n'],
    ['a bad escape in a label value', 'a{b="\\x"} 1\n'],
    ['no value', 'a{b="c"}\n'],
    ['a word for a value', 'a one\n'],
    ['a TYPE after the samples', 'a 1\n# TYPE a counter\n'],
    ['two TYPEs', '# TYPE a counter\n# TYPE a gauge\n'],
    ['an unknown type', '# TYPE a meter\n'],
    ['a family split in two', 'a 1\nb 1\na{x="1"} 2\n'],
    ['a sample twice', 'a{x="1"} 1\na{x="1"} 2\n'],
    ['a label twice', 'a{x="1",x="2"} 1\n'],
    ['buckets not cumulative', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'],
    ['+Inf differs from _count', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n'],
  ];
  for (const [what, text] of bad) it(`refuses ${what}`, () => expect(() => parsePromText(text)).to.throw());
  it('reads a well-formed exposition', () => {
    const m = parsePromText('# HELP a Some \\\\ help\n# TYPE a counter\na{x="q\\"uote",y="nl\\n"} 1.5e3\n\n# TYPE h histogram\nh_bucket{le="0.5"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3\nh_count 2\nc NaN 1700000000000\n');
    expect(sampleValue(m, 'a', { x: 'q"uote', y: 'nl\n' })).to.equal(1500);
    expect(sampleValue(m, 'h_count')).to.equal(2);
    expect(m.get('a')?.help).to.equal('Some \\\\ help');
  });
});
