// Cross-site request forgery defence for the forms a browser posts with its cookie (the /stats
// login and logout): a state-changing request must come from a page of this site. Checked the way
// the OWASP CSRF Prevention Cheat Sheet describes ("Fetch Metadata headers" first, then "Verifying
// Origin with standard headers"): Sec-Fetch-Site, else Origin, else Referer, compared with the
// host the request was sent to.
import type { IncomingMessage } from 'node:http';

/** The outcome: allowed, or refused with the header that showed another site (for the log). */
export type SameOriginResult = { ok: true } | { ok: false; reason: string };

/** The host (`name` or `name:port`, lower-case) a URL or origin names; undefined when it is none. */
function hostOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.host.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the request's `source` host (from Origin or Referer) is the host it was sent to
 * (`target`, from Host or, behind a proxy, X-Forwarded-Host). A proxy may pass the host without
 * its port (nginx's `$host`), so a target without a port matches the source's name on any port;
 * the scheme is not compared, since TLS may end in front of feedwright.
 */
function sameHost(source: string, target: string): boolean {
  if (source === target) return true;
  if (/:\d+$/.test(target)) return false;
  return source.replace(/:\d+$/, '') === target;
}

/**
 * Checks that a state-changing browser request (a form POST) comes from this site (OWASP CSRF
 * Prevention Cheat Sheet):
 * 1. `Sec-Fetch-Site` (Fetch Metadata; a browser sets it and no page can forge it): `same-origin`
 *    or `none` (the user's own action) is allowed; `same-site` and `cross-site` are refused.
 * 2. Else `Origin` (RFC 6454 §7; every current browser sends it on a POST): its host must be the
 *    request's host; `null` (an opaque origin: a sandboxed frame, a data: page) is refused.
 * 3. Else `Referer` (RFC 9110 §10.1.3): its host must be the request's host.
 * 4. None of the three: not a browser (curl, a script), which cannot be made to send a victim's
 *    cookie; allowed.
 * The request's host is `Host`, or the first `X-Forwarded-Host` with `behindProxy`. Never throws.
 */
export function checkSameOrigin(req: IncomingMessage, behindProxy: boolean): SameOriginResult {
  const header = (name: string): string | undefined => {
    const v = req.headers[name];
    return typeof v === 'string' ? v.trim() : undefined;
  };
  const site = header('sec-fetch-site')?.toLowerCase();
  if (site !== undefined) return site === 'same-origin' || site === 'none' ? { ok: true } : { ok: false, reason: `Sec-Fetch-Site: ${site.slice(0, 40)}` };
  const forwarded = behindProxy ? header('x-forwarded-host')?.split(',')[0]?.trim() : undefined;
  const target = (forwarded !== undefined && forwarded !== '' ? forwarded : header('host') ?? '').toLowerCase();
  const origin = header('origin');
  if (origin !== undefined) {
    const source = hostOf(origin);
    return source !== undefined && target !== '' && sameHost(source, target) ? { ok: true } : { ok: false, reason: `Origin: ${origin.slice(0, 200)}` };
  }
  const referer = header('referer');
  if (referer !== undefined) {
    const source = hostOf(referer);
    return source !== undefined && target !== '' && sameHost(source, target) ? { ok: true } : { ok: false, reason: `Referer from ${source ?? 'an unreadable URL'}` };
  }
  return { ok: true };
}
