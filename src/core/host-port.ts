// A host and a port joined into a URI authority or an http URL (RFC 3986 §3.2.2): an IPv6
// literal is written in brackets (`[::1]:3000`, never `::1:3000`), its zone id, if any, with
// the `%` percent-encoded (RFC 6874 §2). Pure: every place feedwright prints where it listens
// (serve's listening line, the "cannot listen" line) goes through here.

/**
 * `host:port` as a URI authority (RFC 3986 §3.2.2): `[::1]:3000` for an IPv6 literal (any host
 * holding a `:`; one already in brackets is kept), `fe80::1%eth0` as `[fe80::1%25eth0]`
 * (RFC 6874), names and IPv4 addresses as they are. `port`: 0 to 65535. Never throws.
 */
export function hostPort(host: string, port: number): string {
  if (host.startsWith('[') || !host.includes(':')) return `${host}:${port}`;
  return `[${host.replace(/%(?!25)/, '%25')}]:${port}`;
}

/** The addresses that mean "every interface" (Node's listen, HOST unset means 0.0.0.0 here). */
const WILDCARDS = new Set(['', '0.0.0.0', '::', '[::]']);

/**
 * The http URL people open for a server listening on `host` and `port`, with a trailing `/`:
 * `http://[::1]:3000/`, `http://127.0.0.1:3000/`; a wildcard address (`0.0.0.0`, `::`, empty)
 * is shown as `localhost`, which reaches it from the same machine. Never throws.
 */
export function listeningUrl(host: string, port: number): string {
  return `http://${hostPort(WILDCARDS.has(host) ? 'localhost' : host, port)}/`;
}
