// One log record per publish: which feeds changed, how many articles came and went, how long it
// took. Fed by the compiler's onPublish (the sets, also the one restored at start) and its
// onCompiled (the report of the run that published).
import type { Logger } from '../log.js';
import type { CompileReport, PublishedSet } from './compiler.js';

/** At most this many feed keys are named in a record (the count is always there). */
const NAMED_FEEDS = 20;

/** The two listeners to give the compiler. */
export interface PublishLog {
  /** Give to `compiler.onPublish`. */
  published(set: PublishedSet): void;
  /** Give to CompilerOptions.onCompiled. */
  compiled(report: CompileReport): void;
}

/**
 * Creates the publish log. A run that published writes one `info` record, msg `published`, with
 * `generation`, `feedsChanged` (count), `feeds` (the first 20 changed feeds' keys, `''` is the
 * site-wide feed), `articles` (published now), `itemsAdded` / `itemsRemoved` (the net change in
 * published articles since the previous set: an article added and another removed in one run
 * count as neither), `failedFeeds`, `fileProblems` and `durationMs`. A run that failed writes an
 * `error` record, msg `compile failed`, with `code`.
 */
export function createPublishLog(logger: Logger): PublishLog {
  let before: PublishedSet | undefined;
  let latest: PublishedSet | undefined;
  return {
    published(set) {
      before = latest;
      latest = set;
    },
    compiled(report) {
      if (report.error !== undefined) {
        logger.error({ code: report.errorCode ?? 'COMPILE_FAILED', durationMs: report.durationMs }, 'compile failed');
        return;
      }
      if (!report.published || latest === undefined) return;
      const delta = latest.articles - (before?.articles ?? 0);
      logger.info(
        {
          generation: latest.generation,
          feedsChanged: report.feedsChanged.length,
          feeds: report.feedsChanged.slice(0, NAMED_FEEDS),
          articles: latest.articles,
          itemsAdded: Math.max(0, delta),
          itemsRemoved: Math.max(0, -delta),
          failedFeeds: report.failedFeeds.length,
          fileProblems: report.problems.length,
          durationMs: report.durationMs,
        },
        'published',
      );
    },
  };
}
