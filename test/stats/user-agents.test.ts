// The User-Agent table (src/stats/user-agents.ts): real strings of the aggregators that report
// subscribers, of readers and tools, and of browsers and crawlers.
import { expect } from 'chai';
import { createUserAgentCache, parseUserAgent } from '../../src/stats/user-agents.js';
import { AGGREGATOR_AGENTS } from './agents.js';


describe('User-Agent families and subscriber counts', () => {
  for (const a of AGGREGATOR_AGENTS) {
    it(`reads ${a.aggregator}'s string with its ${a.subscribers} subscribers`, () => {
      expect(parseUserAgent(a.ua)).to.deep.equal({ family: a.aggregator, aggregator: a.aggregator, subscribers: a.subscribers });
    });
  }

  it("reads NewsBlur's singular, and an aggregator without a count as a family only", () => {
    expect(parseUserAgent('NewsBlur Feed Fetcher - 1 subscriber - https://www.newsblur.com/site/9/x (Mozilla/5.0)')).to.deep.equal({ family: 'NewsBlur', aggregator: 'NewsBlur', subscribers: 1 });
    expect(parseUserAgent('Feedly/1.0 (+http://www.feedly.com/fetcher.html; like FeedFetcher-Google)')).to.deep.equal({ family: 'Feedly' });
    expect(parseUserAgent('Feedbin feed-id:77 - 0 subscribers')).to.deep.equal({ family: 'Feedbin', aggregator: 'Feedbin', subscribers: 0 });
  });

  it('takes no count from a negative or glued number, and reads a count with extra spaces (review finding)', () => {
    expect(parseUserAgent('Feedly/1.0 (+http://www.feedly.com/fetcher.html; -5 subscribers; like FeedFetcher-Google)')).to.deep.equal({ family: 'Feedly' });
    expect(parseUserAgent('Feedly/1.0 (+http://www.feedly.com/fetcher.html; x5 subscribers; like FeedFetcher-Google)')).to.deep.equal({ family: 'Feedly' });
    expect(parseUserAgent('Feedly/1.0 (+http://www.feedly.com/fetcher.html; 19  subscribers; like FeedFetcher-Google)')).to.deep.equal({ family: 'Feedly', aggregator: 'Feedly', subscribers: 19 });
    expect(parseUserAgent('Mozilla/5.0 (compatible; Inoreader/1.0; https://www.inoreader.com;   12   subscribers)')).to.deep.equal({ family: 'Inoreader', aggregator: 'Inoreader', subscribers: 12 });
  });

  it('never takes a count from a reader that is not one of the aggregators', () => {
    expect(parseUserAgent('SomeFetcher/2.0 (500 subscribers)')).to.deep.equal({ family: 'other' });
    expect(parseUserAgent('Miniflux/2.1.0 (+https://miniflux.app; 3 subscribers)')).to.deep.equal({ family: 'Miniflux' });
  });

  it('names the readers, tools and browsers of the table; crawlers and the unknown are other', () => {
    const cases: [string | undefined, string][] = [
      ['NetNewsWire (RSS Reader; https://netnewswire.com/)', 'NetNewsWire'],
      ['Mozilla/5.0 (compatible; Miniflux/2.1.0; +https://miniflux.app)', 'Miniflux'],
      ['FreshRSS/1.23.1 (Linux; https://freshrss.org)', 'FreshRSS'],
      ['Tiny Tiny RSS/22.08 (Unsupported) (https://tt-rss.org/)', 'Tiny Tiny RSS'],
      ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Feedbro/4.20', 'Feedbro'],
      ['newsboat/2.34.0 (Linux x86_64)', 'newsboat'],
      ['curl/8.5.0', 'curl'],
      ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0', 'browsers'],
      ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1', 'browsers'],
      ['Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'other'],
      ['Wget/1.21', 'other'],
      ['', 'other'],
      [undefined, 'other'],
    ];
    for (const [ua, family] of cases) expect(parseUserAgent(ua).family, ua).to.equal(family);
  });

  it('caches parses, evicting the least recently used string', () => {
    const parse = createUserAgentCache(2);
    const a = parse('curl/8.5.0');
    const b = parse('newsboat/2.34.0');
    expect(parse('curl/8.5.0')).to.equal(a); // a hit, now the most recent
    parse('NetNewsWire (RSS Reader)'); // evicts newsboat, the least recent
    expect(parse('curl/8.5.0')).to.equal(a);
    const again = parse('newsboat/2.34.0');
    expect(again).to.not.equal(b); // parsed again
    expect(again).to.deep.equal(b);
    expect(() => createUserAgentCache(0)).to.throw(RangeError);
  });
});
