// Politeness (off by default): a client that fetches one document without validators more often
// than the schedule can change it may be answered 429 with Retry-After (RFC 6585 §4). Keyed by
// address, User-Agent and document, so many readers behind one address are not punished for one,
// and never applied to conditional requests (those are the behaviour we want).

/** Counts unconditional requests per client and document in fixed windows of one period. */
export interface Politeness {
  /** Seconds the client should wait, or undefined when the request is allowed. */
  check(key: string): number | undefined;
}

const MAX_KEYS = 200_000;

/** Creates the counter: at most `limit` unconditional requests per key per `periodMs`. */
export function createPoliteness(limit: number, periodMs: number, clock: () => number = Date.now): Politeness {
  let windowStart = clock();
  let counts = new Map<string, number>();
  return {
    check(key) {
      const now = clock();
      if (now - windowStart >= periodMs || counts.size > MAX_KEYS) {
        windowStart = now;
        counts = new Map();
      }
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      return n > limit ? Math.max(1, Math.ceil((windowStart + periodMs - now) / 1000)) : undefined;
    },
  };
}
