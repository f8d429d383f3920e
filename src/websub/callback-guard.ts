// The built-in hub's guard on outbound requests (issue 14): a callback URL is chosen by whoever
// subscribes, so before the hub calls it (verification, W3C WebSub §5.3; delivery, §7) its host
// is resolved and every address checked, and the request then connects to the address checked
// (a pinned lookup), so a DNS answer that changes between check and connect cannot redirect it.
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { FeedwrightError } from '../core/errors.js';

/** What an address is to the hub: callable, callable only when the operator allows private ones, or never. */
export type AddressClass = 'public' | 'private' | 'forbidden';

/** ipaddr.js ranges the operator may allow (`hubCallbackAllowPrivate`): loopback, RFC 1918, link-local, ULA, CGNAT. */
const PRIVATE_RANGES = new Set(['loopback', 'private', 'linkLocal', 'uniqueLocal', 'carrierGradeNat']);

/**
 * Cloud metadata endpoints: never called, whatever the operator allows (AWS, GCP, Azure, OpenStack
 * 169.254.169.254; AWS IPv6 fd00:ec2::254; Alibaba 100.100.100.200).
 */
const METADATA = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200']);

/**
 * Classifies one IP address (IPv4 dotted or IPv6 text). `public` only for ipaddr.js's `unicast`
 * range (global unicast); `private` for loopback, private (RFC 1918), link-local, unique-local
 * (fc00::/7) and carrier-grade NAT (100.64.0.0/10); `forbidden` for everything else — cloud
 * metadata addresses, unspecified, multicast, broadcast, reserved and documentation ranges,
 * IPv6 forms that embed an IPv4 address (6to4, Teredo, NAT64) — and for text that is not an
 * address. IPv4-mapped IPv6 (`::ffff:127.0.0.1`) is judged as the IPv4 address it maps.
 */
export function classifyAddress(address: string): AddressClass {
  if (!ipaddr.isValid(address)) return 'forbidden';
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  if (METADATA.has(ip.toString())) return 'forbidden';
  const range = ip.range();
  if (range === 'unicast') return 'public';
  return PRIVATE_RANGES.has(range) ? 'private' : 'forbidden';
}

/** A callback the guard let through: its URL and the address every request to it connects to. */
export interface VettedCallback {
  url: URL;
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address (node:dns lookup, as the system resolver answers). */
export type ResolveAll = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolve: ResolveAll = (host) => dnsLookup(host, { all: true, verbatim: true });

/**
 * Checks a callback URL and resolves its host (W3C WebSub §5.1 leaves which callbacks a hub
 * accepts to the hub): only `http:`/`https:` URLs without credentials or fragment; every address
 * the host resolves to must be `public` by {@link classifyAddress}, or `private` when
 * `allowPrivate` (site.json `hubCallbackAllowPrivate`) — one bad address refuses the host, so
 * a name cannot mix a public and an internal answer. Resolves with the first address, to pin
 * every connection to (see {@link pinnedLookup}). Throws a FeedwrightError
 * `HUB_CALLBACK_REFUSED` saying why (never which internal address, only its kind).
 */
export async function vetCallback(callback: string, allowPrivate: boolean, resolve: ResolveAll = systemResolve): Promise<VettedCallback> {
  const refuse = (why: string) => new FeedwrightError('HUB_CALLBACK_REFUSED', `hub.callback ${why}`, { problems: [{ field: 'hub.callback', message: why }] });
  let url: URL;
  try {
    url = new URL(callback);
  } catch {
    throw refuse('is not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse('must be an http or https URL');
  if (url.username !== '' || url.password !== '') throw refuse('must not carry credentials');
  if (url.hash !== '') throw refuse('must not carry a fragment');
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let addresses: { address: string; family: number }[];
  if (ipaddr.isValid(host)) addresses = [{ address: host, family: host.includes(':') ? 6 : 4 }];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      throw refuse(`has a host that does not resolve (${host})`);
    }
  }
  if (addresses.length === 0) throw refuse(`has a host that does not resolve (${host})`);
  for (const a of addresses) {
    const kind = classifyAddress(a.address);
    if (kind === 'forbidden' || (kind === 'private' && !allowPrivate)) {
      throw refuse(kind === 'private' ? 'resolves to a loopback, private or link-local address, which this hub does not call' : 'resolves to an address this hub never calls (metadata, reserved, multicast or unspecified)');
    }
  }
  const first = addresses[0] as { address: string; family: number };
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/**
 * A `lookup` for node:http's request options that answers every name with the vetted address:
 * the connection goes where the guard looked, whatever DNS says by then (DNS rebinding).
 */
export function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all === true) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as unknown as LookupFunction;
}
