// What the compile steps share: the report a compile fills in, the wiring every step reads
// (CompileContext) and what the compiler remembers between compiles (CompilerState).
import type { LiveNames } from '../live-names.js';
import { FeedwrightError } from '../../core/errors.js';
import type { SiteConfig } from '../../core/site.js';
import type { HeaderRules } from '../../publish/header-rules.js';
import type { CompileStatus, DamagedDocument, FeedFailure, PublishedSet } from '../../publish/published-set.js';
import type { ArticleStore, FeedState } from '../../store/store.js';
import type { BodyStore } from '../body-store.js';
import type { BrotliBackfill } from '../brotli-backfill.js';
import type { ProblemLog } from '../problem-log.js';
import type { RenderPool } from '../render-pool.js';
import type { FileSource, SourceProblem } from '../source-files.js';

/** Hears of each set swapped in: `restored` when it is the last run's set served again (restore), not a new publish. */
export type PublishListener = (set: PublishedSet, how: { restored: boolean }) => void;

/** What one compile did. */
export interface CompileReport extends CompileStatus {
  problems: SourceProblem[];
  /**
   * Items the renders had to prepare (sanitise) because the store held no prepared form for the
   * current settings; 0 when every rendered item was found prepared (see steps/prepared-forms.ts).
   */
  itemsPrepared: number;
  /** Articles whose prepared form this compile stored (see ArticleStore.storePrepared). */
  preparedStored: number;
  /** Feeds this compile removed because no visible article was left in them (scope keys, sorted; see Plan.removed). */
  feedsRemoved: string[];
}

/** The steps a compile reports progress for. */
export type CompileStep = 'read' | 'render';

/** The compiler's wiring: what every step reads, fixed for the compiler's life. */
export interface CompileContext {
  store: ArticleStore;
  site: SiteConfig;
  bodies: BodyStore;
  renderer: RenderPool;
  files: FileSource | undefined;
  /** The digest of the settings and renderer (see siteDigest). */
  baseDigest: string;
  headersFor: HeaderRules;
  /** The brotli bodies made in the background. */
  brotli: BrotliBackfill;
  clock: () => number;
  log: (line: string) => void;
  /** Logs article file problems once, when they appear, change or clear (problem-log.ts). */
  problemLog: ProblemLog;
  /** Hears how far a compile is (see CompilerOptions.progress). */
  progress: ((step: CompileStep, done: number, total: number) => void) | undefined;
}

/** What the compiler remembers between compiles. */
export interface CompilerState {
  published: PublishedSet | undefined;
  restored: boolean;
  /** The next compile renders every feed (the served set came from other settings). */
  renderAll: boolean;
  /** Articles published up to this instant are in the published set (embargo bookkeeping). */
  visibleUntil: number | undefined;
  /** The change log position the published set includes. */
  changeSeq: number | undefined;
  /** Every feed state ever published, by scope key. */
  states: Map<string, FeedState> | undefined;
  /** Scopes whose last render failed or was never published: rendered again next time. */
  pending: Set<string>;
  /** The last problems the file source reported (kept for compiles that do not look at files). */
  fileProblems: SourceProblem[];
  listeners: PublishListener[];
  /** The deletion of the bodies the last publish replaced (see publish). */
  cleanup: Promise<void>;
  /** The body file names the published set names (every coding, made or pending). */
  live: LiveNames;
  /** Documents withheld because a body file is damaged, by path and origin index (see damageKey). */
  damaged: Map<string, DamagedDocument>;
  /** Scopes rendered at the next compile whatever their stored digest says (a body of theirs is damaged). */
  forced: Set<string>;
  /** The directory documents are rendered at the next compile even if no feed changed (a body of theirs is damaged). */
  forceDirectory: boolean;
  /** The next publish deletes every file no document names (start-up found damaged bodies: a crash left the folder). */
  sweep: boolean;
}

/**
 * A failure as the report keeps it: the code says what failed (a FeedwrightError's code, else
 * RENDER_FAILED), the message stays in the log.
 */
export function failure(scope: string, err: unknown): FeedFailure {
  return { scope, error: err instanceof Error ? err.message : String(err), code: err instanceof FeedwrightError ? err.code : 'RENDER_FAILED' };
}
