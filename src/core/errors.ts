// The one error type of feedwright: every failure carries a stable code, a message a person
// can act on, and where it applies the file and field it is about.

/** Every error code feedwright raises, with what it means. */
export const ERROR_CODES = {
  CONFIG_INVALID: 'a setting in site.json or the environment is missing or malformed',
  CONFIG_READ: 'site.json could not be read',
  ARTICLE_INVALID: 'an article breaks a rule of the article format',
  ARTICLE_PARSE: 'an article file is not valid JSON',
  ARTICLE_READ: 'an article file could not be read',
  ARTICLE_DUPLICATE: 'two article files carry the same id',
  ITEM_ID_TAKEN: 'the id readers know an item by (its guid, else the id prefix and its id) already belongs to another live article',
  STORE_OPEN: 'the store could not be opened',
  STORE_QUERY: 'the store failed during a read or a write',
  BACKUP_FAILED: 'the store could not be copied to the backup file',
  STORE_UNAVAILABLE: 'the database cannot be reached (refused, dropped or timed out); what is published stays served, and writes can be retried later',
  NOT_COMPILER: 'this instance is not the cluster\'s compiler (another holds the compiler lock), so it did not publish',
  COMPILE_FAILED: 'a compile did not complete; the last good documents stay live',
  RENDER_FAILED: 'a feed could not be rendered (an exception in its render); its last good documents stay live',
  RENDER_WORKER_STOPPED: 'a render worker stopped (it exited, or its task ran too long) while rendering the feed, twice; the feed keeps its last good documents and the next compile retries it',
  RENDER_OUT_OF_MEMORY: 'a render worker ran out of memory (its heap limit) while rendering the feed, twice; the feed keeps its last good documents and the next compile retries it',
  BODY_UNREADABLE: 'a document body file is missing, unreadable or not the size the manifest lists; the document is answered 503 until its feed is rendered again',
  USAGE: 'the command line is malformed',
  HUB_CALLBACK_REFUSED: 'a WebSub callback is not an http(s) URL, or its host resolves to an address the built-in hub does not call (loopback, private, link-local, metadata, reserved)',
  HUB_CALLBACK_FAILED: 'a WebSub callback did not answer as required (unreachable, timed out, too large, a redirect, or not 2xx)',
} as const;

/** A code from {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** One problem with one field of one input. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** The error type of feedwright; `file` and `problems` say where the fault is. */
export class FeedwrightError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly problems: FieldProblem[];

  constructor(code: ErrorCode, message: string, options: { file?: string; problems?: FieldProblem[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FeedwrightError';
    this.code = code;
    if (options.file !== undefined) this.file = options.file;
    this.problems = options.problems ?? [];
  }
}

/** Wraps any thrown value as a FeedwrightError with context, keeping the original as `cause`. */
export function wrapError(code: ErrorCode, context: string, cause: unknown, file?: string): FeedwrightError {
  if (cause instanceof FeedwrightError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new FeedwrightError(code, `${context}: ${detail}`, file === undefined ? { cause } : { cause, file });
}
