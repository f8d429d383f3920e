// The one spelling of a document path: requests may percent-encode any character of a path
// (`/r%73s.xml`, `/sections/n%65ws/rss%2Exml`), and the fast path, the archive route, the metrics,
// the readers counted and the access log must all agree on which document that was.

/**
 * The canonical form of a percent-encoded path (RFC 3986 §2.1, §6.2.2.2), the form published
 * documents are keyed by: each segment decoded, then encoded with encodeURIComponent, so
 * `/r%73s.xml` is `/rss.xml` and `/tags/caf%C3%A9/rss.xml` stays as it is. `path` has no query.
 * Undefined when a segment is not valid percent-encoded UTF-8 (`%E0%A4%A`). Never throws.
 */
export function canonicalPath(path: string): string | undefined {
  if (!path.includes('%')) return path;
  try {
    return path.split('/').map((seg) => encodeURIComponent(decodeURIComponent(seg))).join('/');
  } catch {
    return undefined;
  }
}
