// Slowing down token guessing: failed authentications are counted per client address, and after a
// few an address is answered 429 Too Many Requests with Retry-After (RFC 6585 §4, RFC 9110
// §10.2.3) for a delay that doubles with every further attempt, up to a cap. Memory is bounded:
// at most `maxAddresses` addresses are remembered (the least recently seen is forgotten first).

/** How the throttle counts. */
export interface AuthThrottleOptions {
  /** Failures answered at once (401) before an address is held back (default 3). */
  free?: number;
  /** The first delay, in seconds (default 5); each further attempt doubles it. */
  baseSeconds?: number;
  /** The longest delay, in seconds (default 300). */
  capSeconds?: number;
  /** An address's count is forgotten this long after its last failure, in ms (default 15 min). */
  windowMs?: number;
  /** Addresses remembered at most (default 10,000). */
  maxAddresses?: number;
}

/** Per-address failure counting. */
export interface AuthThrottle {
  /**
   * Whether `address` may try now: undefined, or the whole seconds to wait (≥ 1), which the
   * caller answers as 429 with that Retry-After. A request held back counts as a failure (it
   * doubles the delay again): a client that honours Retry-After is never held longer.
   */
  check(address: string, now: number): number | undefined;
  /** Records a failed authentication; returns the address's consecutive failures so far. */
  fail(address: string, now: number): number;
  /** Forgets `address` (a successful authentication). */
  succeed(address: string): void;
  /** Addresses remembered now (for tests: bounded by maxAddresses). */
  size(): number;
}

/**
 * The hold, in seconds, after an address's `failures`-th consecutive failure (held-back attempts
 * count): 0 below `free`; `base` for the `free`-th and the next (the first 429's Retry-After);
 * then doubling, `base·2^(failures−free−1)`, up to `cap`.
 */
export function holdSeconds(failures: number, free: number, base: number, cap: number): number {
  if (failures < free) return 0;
  return Math.min(cap, base * 2 ** Math.max(0, failures - free - 1));
}

/** Creates a throttle; `now` is epoch ms from the caller's clock. */
export function createAuthThrottle(options: AuthThrottleOptions = {}): AuthThrottle {
  const free = options.free ?? 3;
  const base = options.baseSeconds ?? 5;
  const cap = options.capSeconds ?? 300;
  const windowMs = options.windowMs ?? 15 * 60_000;
  const max = options.maxAddresses ?? 10_000;
  /** Failures and the end of the current hold (epoch ms), by address; Map order = least recently seen first. */
  const seen = new Map<string, { failures: number; last: number; until: number }>();

  const record = (address: string, now: number): number => {
    const prev = seen.get(address);
    const failures = prev === undefined || now - prev.last > windowMs ? 1 : prev.failures + 1;
    // The `free`-th failure holds the address `base` seconds; the first attempt held back (the
    // first 429) is told `base` too, each further one twice the one before, up to the cap.
    const until = failures < free ? 0 : now + holdSeconds(failures, free, base, cap) * 1000;
    seen.delete(address);
    seen.set(address, { failures, last: now, until });
    if (seen.size > max) seen.delete(seen.keys().next().value as string);
    return failures;
  };

  return {
    check(address, now) {
      const entry = seen.get(address);
      if (entry === undefined || now >= entry.until) return undefined;
      record(address, now);
      return Math.max(1, Math.ceil(((seen.get(address)?.until ?? now) - now) / 1000));
    },
    fail: record,
    succeed(address) {
      seen.delete(address);
    },
    size: () => seen.size,
  };
}
