// The contract between the archive cache (src/compile/archive-cache.ts) and the archive route
// (src/http/archive-route.ts): RFC 5005 §4 archive documents, rendered on first request off the
// serving thread and kept with precomputed headers like the published set's documents.
import type { MonthKey } from '../core/archive-months.js';
import type { Format } from '../core/scopes.js';
import type { CompiledDocument, DocumentBodies } from './published-set.js';

/** What a request for one archive document finds. */
export type ArchiveLookup =
  /** The document on the asked origin, ready to serve (validators and headers precomputed). */
  | { kind: 'document'; doc: CompiledDocument }
  /** No such feed, or the month has no items (visible now): a 404. */
  | { kind: 'missing' }
  /** The render failed (a worker stopped, the store is unreachable): a 503; `error` is for the log only. */
  | { kind: 'unavailable'; error: string };

/** Where the archive route gets archive documents and their bodies. */
export interface ArchiveSource {
  /**
   * The archive document of feed `scopeKey`, `month` (site time zone) and `format` on origin
   * `originIndex` (index into site.origins). A fresh cached document comes back synchronously
   * (the request path does no I/O for it); otherwise a promise that settles once the render
   * pool has rendered the month (concurrent requests for one month share one render). Never
   * rejects: a failure is `unavailable`.
   */
  lookup(scopeKey: string, month: MonthKey, format: Format, originIndex: number): ArchiveLookup | Promise<ArchiveLookup>;
  /** The archive documents' bodies (their own folder and memory budget). */
  readonly bodies: DocumentBodies;
  /**
   * Hears that a body of this month could not be read (deleted, damaged): the month is dropped
   * and rendered again on its next request. Never throws.
   */
  unreadable(scopeKey: string, month: MonthKey): void;
}
