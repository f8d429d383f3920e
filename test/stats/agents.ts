// Test fixtures: the User-Agent strings of the aggregators that report subscribers (issue 12).

/** The aggregators' strings from issue 12, with the count each reports. */
export const AGGREGATOR_AGENTS = [
  { ua: 'Feedly/1.0 (+http://www.feedly.com/fetcher.html; 1234 subscribers; like FeedFetcher-Google)', aggregator: 'Feedly', subscribers: 1234 },
  { ua: 'Mozilla/5.0 (compatible; Inoreader/1.0; https://www.inoreader.com; 56 subscribers)', aggregator: 'Inoreader', subscribers: 56 },
  { ua: 'NewsBlur Feed Fetcher - 7 subscribers - https://www.newsblur.com/site/123/example (Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36)', aggregator: 'NewsBlur', subscribers: 7 },
  { ua: 'Feedbin feed-id:1234 - 89 subscribers', aggregator: 'Feedbin', subscribers: 89 },
  { ua: 'Mozilla/5.0 (compatible; theoldreader.com; 12 subscribers; feed-id=abcdef)', aggregator: 'The Old Reader', subscribers: 12 },
] as const;
