// The file source: article files in data/articles/*.json, synchronised into the store. Only
// new and changed files are read; a removed file removes its article; a broken file is reported
// with its name and field and skipped, while the last good version of its article stays live.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { listJsonFiles, ownersOf, scanArticleFolder, scanNamedFiles, type FolderScanner } from './folder-scan.js';
import { join } from 'node:path';
import { articleDigest, validateArticle, type Article } from '../core/article.js';
import { FeedwrightError, type ErrorCode, type FieldProblem } from '../core/errors.js';
import { isFeedId, readerId, readerIdField } from '../core/reader-id.js';
import { describeRefusal, refusalFieldMessage, type ArticleChange, type ArticleStore, type ArticleWrite, type FileEntry, type PreparedBlob, type WriteRefusal } from '../store/store.js';
import { prepareForStore, type PrepareSettings } from './prepared.js';
import { describeJsonError, parseJsonText } from '../core/json-text.js';
import { decodeUtf8, describeEncodingError } from '../core/text-encoding.js';

/** A problem with one article file. */
export interface SourceProblem {
  file: string;
  code: ErrorCode;
  message: string;
  problems: FieldProblem[];
}

/** What a sync did. */
export interface SyncResult {
  changes: ArticleChange[];
  problems: SourceProblem[];
  filesRead: number;
  /** Files looked at: all of them in a full scan, the changed ones otherwise. */
  files: number;
}

/** Formats a problem as one line naming the file and each field. */
export function formatProblem(p: SourceProblem): string {
  return p.problems.length > 0 ? `${p.file}: ${p.problems.map((f) => `${f.field} ${f.message}`).join('; ')}` : `${p.file}: ${p.message}`;
}

/**
 * Reads and validates one article file; returns the article with the file's digest, or the
 * problem. Synchronous: article files are small, and readFileSync costs a tenth of the promise
 * API's per-file overhead.
 */
export function readArticleFile(dir: string, name: string, timeZone: string): { article: Article; fileDigest: string; mtimeMs: number; size: number } | SourceProblem {
  const path = join(dir, name);
  let bytes: Buffer;
  let mtimeMs: number;
  try {
    const st = statSync(path);
    mtimeMs = st.mtimeMs;
    bytes = readFileSync(path);
  } catch (err) {
    return { file: name, code: 'ARTICLE_READ', message: `cannot be read: ${(err as Error).message}`, problems: [] };
  }
  const fileDigest = createHash('sha256').update(bytes).digest('base64url');
  // Not UTF-8 (or UTF-16): reported and skipped like any broken file, never published with U+FFFD.
  const decoded = decodeUtf8(bytes);
  if ('error' in decoded) return { file: name, code: 'ARTICLE_PARSE', message: describeEncodingError(decoded.error), problems: [] };
  const parsed = parseJsonText(decoded.text);
  if ('error' in parsed) {
    return { file: name, code: 'ARTICLE_PARSE', message: `${describeJsonError(parsed.error)}`, problems: [] };
  }
  const raw = parsed.value;
  const result = validateArticle(raw, timeZone);
  if ('problems' in result) {
    return { file: name, code: 'ARTICLE_INVALID', message: 'breaks the article format', problems: result.problems };
  }
  return { article: result.article, fileDigest, mtimeMs, size: bytes.length };
}

/**
 * One article file as read: the article with its content digest and the file's, and its
 * prepared (sanitised) form when preparation settings were given; or the problem.
 */
export type ArticleFileRead = { name: string; article: Article; digest: string; fileDigest: string; mtimeMs: number; size: number; prepared?: PreparedBlob } | SourceProblem;

/** Reads a batch of article files: in a worker thread (see render-pool.ts) or on this thread. */
export type ArticleFileReader = (dir: string, names: string[], timeZone: string, prepare?: PrepareSettings) => Promise<ArticleFileRead[]>;

/**
 * Reads, validates and digests a batch of article files, in order; with `prepare`, also
 * sanitises and prepares each good one for storing (see prepared.ts). Never throws: a file that
 * cannot be read or breaks the format is returned as its problem.
 */
export function readArticleFiles(dir: string, names: readonly string[], timeZone: string, prepare?: PrepareSettings): ArticleFileRead[] {
  return names.map((name) => {
    const r = readArticleFile(dir, name, timeZone);
    if ('code' in r) return r;
    return { name, ...r, digest: articleDigest(r.article), ...(prepare === undefined ? {} : { prepared: prepareForStore(r.article, prepare) }) };
  });
}

/** Files per read task, and read tasks ahead of the one being stored (memory stays bounded). */
const READ_BATCH = 200;
const READS_AHEAD = 6;
/** Fewer files than this are read on this thread: a worker round trip would cost more. */
const READ_HERE = 64;

/** The problem of a file whose article the store refused: another article owns its reader id. */
function takenProblem(file: string, r: WriteRefusal): SourceProblem {
  return { file, code: 'ITEM_ID_TAKEN', message: `is not published: ${describeRefusal(r)}`, problems: [{ field: r.field, message: refusalFieldMessage(r) }] };
}

/**
 * Validates every file without touching a store (the `check` command), in name order: bad
 * files, a second file with an `id` already seen (`ARTICLE_DUPLICATE`) and, given the site's
 * `idPrefix`, a second file whose reader id (guid, else prefix + id) an earlier file already has
 * or a feed of the site uses (`ITEM_ID_TAKEN`, naming that file's article or the feed). Throws `ARTICLE_READ` when the folder cannot be listed.
 */
export async function checkArticleFiles(dir: string, timeZone: string, idPrefix?: string): Promise<{ files: number; problems: SourceProblem[] }> {
  const names = await listJsonFiles(dir);
  const problems: SourceProblem[] = [];
  const owners = new Map<string, string>();
  const readers = new Map<string, { id: string; file: string }>();
  for (const name of names) {
    const r = readArticleFile(dir, name, timeZone);
    if ('code' in r) problems.push(r);
    else {
      const owner = owners.get(r.article.id);
      if (owner !== undefined) {
        problems.push({ file: name, code: 'ARTICLE_DUPLICATE', message: `has the id "${r.article.id}" of ${owner}`, problems: [{ field: 'id', message: `repeats the id of ${owner}` }] });
        continue;
      }
      if (idPrefix !== undefined) {
        const rid = readerId(r.article, idPrefix);
        const first = isFeedId(rid, idPrefix) ? { id: rid, file: '' } : readers.get(rid);
        if (first !== undefined) {
          problems.push(takenProblem(name, { index: 0, id: r.article.id, field: readerIdField(r.article), readerId: rid, ownerId: first.id, ownerSource: first.file === '' ? 'feed' : `file:${first.file}` }));
          continue;
        }
        readers.set(rid, { id: r.article.id, file: name });
      }
      owners.set(r.article.id, name);
    }
  }
  return { files: names.length, problems };
}

/**
 * Brings the store in line with the files: new, changed and removed files. With `only`, just
 * those file names are looked at (the watcher's list of what changed); otherwise every file.
 * A file whose article the store refuses (its guid, or the item id its `id` makes, belongs to
 * another live article) is reported as `ITEM_ID_TAKEN` naming that article and its file, like
 * any bad file: it is not recorded in the file index, so it is read and reported again until it
 * is fixed or the other article goes, and its last good version (if any) stays published.
 * Reading, parsing, validating and (given `prepare`) sanitising go through `read` (worker threads
 * on a large sync) in batches, a few ahead; the results are stored in file-name order whoever
 * read them, each article with its prepared form. `progress` hears (files read and taken, files
 * to read) after each batch.
 */
export async function syncArticleFiles(dir: string, store: ArticleStore, timeZone: string, now: number, only?: ReadonlySet<string>, read?: ArticleFileReader, prepare?: PrepareSettings, progress?: (done: number, total: number) => void, scan?: FolderScanner): Promise<SyncResult> {
  const looked = only === undefined ? await (scan ?? ((d: string) => scanArticleFolder(d, store)))(dir) : await scanNamedFiles(dir, store, only);
  const { toRead } = looked;
  const index = new Map(looked.known.map((e) => [e.name, e]));
  // Which present file holds which article: needed only when a file is read or one went.
  const owners = toRead.length > 0 || looked.gone.length > 0 ? await ownersOf(looked) : new Map<string, string>();
  /** The file that holds an id now, looking beyond the files in hand when only some are. */
  const ownerOf = async (id: string): Promise<string | undefined> => {
    const known = owners.get(id);
    if (known !== undefined || only === undefined) return known;
    const stored = await store.getArticle(id);
    const file = stored?.source.startsWith('file:') ? stored.source.slice(5) : undefined;
    return file !== undefined && !only.has(file) && existsSync(join(dir, file)) ? file : undefined;
  };

  const writes: ArticleWrite[] = [];
  const upserts: FileEntry[] = [];
  const removals: string[] = [];
  const problems: SourceProblem[] = [];
  let filesRead = 0;
  const source = (name: string) => `file:${name}`;
  const removeIfOwned = async (id: string, name: string) => {
    const stored = await store.getArticle(id);
    if (stored && stored.source === source(name)) writes.push({ kind: 'delete', id });
  };

  const changes: ArticleChange[] = [];
  const refusedFiles = new Set<string>();
  // Written in batches so a large first import never holds the whole archive in memory.
  const flush = async () => {
    if (writes.length === 0) return;
    // Removals first: an id a removed file's article held is free for a file read in this sync.
    // (A removal only ever names an id no file in hand holds, so the order changes nothing else.)
    const batch = writes.splice(0).sort((a, b) => (a.kind === 'delete' ? 0 : 1) - (b.kind === 'delete' ? 0 : 1));
    changes.push(...(await store.writeArticles(batch, now, {
      // The files are the source: a write lost in a power failure is read again from its file.
      durable: false,
      onRefused: (r) => {
        const w = batch[r.index];
        if (w?.kind !== 'put') return;
        const name = w.source.slice('file:'.length);
        refusedFiles.add(name);
        problems.push(takenProblem(name, r));
      },
    })));
  };

  /**
   * Files whose index entry is stale (they changed, and their new content is not read yet): the
   * id the index says they hold may no longer be theirs. A file that meets such a claim waits
   * until every file is taken (see `deferred`), so two files that swap names or ids are both
   * accepted, while a file that keeps its id keeps it against a newcomer.
   */
  const stale = new Set(looked.known.map((e) => e.name));
  const deferred: ArticleFileRead[] = [];

  /**
   * Stores one file's article (or notes its problem), in file-name order; with `final`, a file
   * that was deferred, decided now.
   */
  const take = async (r: ArticleFileRead, final = false): Promise<void> => {
    const name = 'code' in r ? r.file : r.name;
    const known = index.get(name);
    if (!final) filesRead += 1;
    if (writes.length >= 1000) await flush();
    if ('code' in r) {
      stale.delete(name); // broken: the last good version, and its claim, stay
      problems.push(r);
      return;
    }
    if (known && known.digest === r.fileDigest) {
      stale.delete(name);
      upserts.push({ ...known, mtimeMs: r.mtimeMs, size: r.size });
      return;
    }
    const owner = await ownerOf(r.article.id);
    if (owner !== undefined && owner !== name) {
      if (!final && stale.has(owner)) {
        deferred.push(r);
        return;
      }
      stale.delete(name);
      problems.push({ file: name, code: 'ARTICLE_DUPLICATE', message: `has the id "${r.article.id}" of ${owner}`, problems: [{ field: 'id', message: `repeats the id of ${owner}` }] });
      return;
    }
    stale.delete(name);
    // The id this file held before, when it holds another now, is free.
    if (known?.articleId && known.articleId !== r.article.id && owners.get(known.articleId) === name) owners.delete(known.articleId);
    owners.set(r.article.id, name);
    const put: ArticleWrite = { kind: 'put', article: r.article, digest: r.digest, source: source(name), ...(r.prepared === undefined ? {} : { prepared: r.prepared }) };
    // The file's old article goes in the same step as its new one is stored, and only then:
    // a new id that keeps the guid is a rename, and a refused one keeps the old version live.
    if (known?.articleId && known.articleId !== r.article.id) put.replaces = known.articleId;
    writes.push(put);
    upserts.push({ name, mtimeMs: r.mtimeMs, size: r.size, digest: r.fileDigest, articleId: r.article.id });
  };
  /**
   * The deferred files, once every other file is taken: each one's old claim that its new
   * content no longer makes is dropped first (two files that swapped ids waited for each other),
   * then each is taken in name order.
   */
  const takeDeferred = async (): Promise<void> => {
    for (const r of deferred) {
      if ('code' in r) continue;
      const old = index.get(r.name)?.articleId;
      if (old && old !== r.article.id && owners.get(old) === r.name) owners.delete(old);
    }
    for (const r of deferred.splice(0)) await take(r, true);
  };
  const reader: ArticleFileReader = read !== undefined && toRead.length >= READ_HERE ? read : async (d, batch, tz, p) => readArticleFiles(d, batch, tz, p);
  const batches: string[][] = [];
  for (let i = 0; i < toRead.length; i += READ_BATCH) batches.push(toRead.slice(i, i + READ_BATCH));
  const ahead: Promise<ArticleFileRead[]>[] = [];
  let next = 0;
  const readAhead = () => {
    while (ahead.length < READS_AHEAD && next < batches.length) {
      const p = reader(dir, batches[next] as string[], timeZone, prepare);
      p.catch(() => undefined); // awaited below, in order; a later batch's failure must not go unhandled meanwhile
      ahead.push(p);
      next += 1;
    }
  };
  readAhead();
  // Progress per file taken, not per batch: a pipe's line at each tenth names its real count.
  let taken = 0;
  for (let b = 0; b < batches.length; b += 1) {
    const results = await (ahead.shift() as Promise<ArticleFileRead[]>);
    readAhead();
    for (const r of results) {
      await take(r);
      taken += 1;
      progress?.(taken, toRead.length);
    }
  }
  await takeDeferred();

  for (const entry of looked.gone) {
    removals.push(entry.name);
    if (entry.articleId !== null && (await ownerOf(entry.articleId)) === undefined) await removeIfOwned(entry.articleId, entry.name);
  }
  await flush();
  // A refused file stays out of the index, so the next sync reads it again.
  const indexed = refusedFiles.size === 0 ? upserts : upserts.filter((u) => !refusedFiles.has(u.name));
  if (indexed.length > 0 || removals.length > 0) await store.writeFileIndex(indexed, removals);
  return { changes, problems, filesRead, files: looked.files };
}

/** The article folder as a source: knows what changed since the last sync, and what is broken. */
export interface FileSource {
  /** Syncs what changed (everything on the first call, on a watcher fault, and every so often). */
  sync(store: ArticleStore, timeZone: string, now: number): Promise<SyncResult>;
  close(): void;
}

/**
 * Opens the article folder. A watcher (inotify on Linux) lists the files that changed, so a
 * compile reads only those instead of stat-ing the whole archive; a full scan runs on the
 * first sync, whenever the watcher fails or overflows, and every `fullScanMs` as a safety net.
 * Broken files stay reported until they are fixed or removed. With `prepare`, every article is
 * stored with its prepared (sanitised) form.
 */
export function openFileSource(dir: string, options: { fullScanMs?: number; watch?: boolean; read?: ArticleFileReader; scan?: FolderScanner; prepare?: PrepareSettings; progress?: (done: number, total: number) => void } = {}): FileSource {
  const fullScanMs = options.fullScanMs ?? 10 * 60_000;
  const dirty = new Set<string>();
  let watcher: FSWatcher | undefined;
  let needFull = true;
  let lastFull = 0;
  const broken = new Map<string, SourceProblem>();

  let watchedFolder: string | undefined;
  /**
   * The folder's identity — inode and birth time — or undefined when it is not a folder: a
   * replaced folder needs a new watch. The inode alone is not enough: a folder removed and made
   * again at once often gets the same inode number on ext4, and the old watch is then dead
   * (inotify dropped it with the old folder) while looking alive.
   */
  const identity = (): string | undefined => {
    try {
      const st = statSync(dir);
      return st.isDirectory() ? `${st.dev}:${st.ino}:${st.birthtimeMs}` : undefined;
    } catch {
      return undefined;
    }
  };
  const startWatching = () => {
    const current = identity();
    if (watcher !== undefined && current === watchedFolder) return;
    watcher?.close();
    watcher = undefined;
    needFull = true;
    if (options.watch === false || current === undefined) return;
    watchedFolder = current;
    try {
      watcher = watch(dir, { persistent: false }, (_event, filename) => {
        if (filename === null) needFull = true;
        else dirty.add(filename.toString());
      });
      watcher.on('error', () => {
        watcher?.close();
        watcher = undefined;
        needFull = true;
      });
    } catch {
      watcher = undefined;
    }
  };

  return {
    async sync(store, timeZone, now) {
      startWatching();
      // Let libuv's poll phase deliver change events the kernel already has queued.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      const full = watcher === undefined || needFull || now - lastFull >= fullScanMs;
      // Files refused for what another file holds (its id, its reader id) are looked at again on
      // every sync: the other file may have gone or changed without this one changing.
      const waiting = [...broken.values()].filter((p) => p.code === 'ARTICLE_DUPLICATE' || p.code === 'ITEM_ID_TAKEN').map((p) => p.file);
      const only = full ? undefined : new Set([...dirty, ...waiting]);
      if (full) {
        needFull = false;
        lastFull = now;
      }
      dirty.clear();
      let result: SyncResult;
      try {
        result = await syncArticleFiles(dir, store, timeZone, now, only, options.read, options.prepare, options.progress, options.scan);
      } catch (err) {
        // Nothing is lost: look at everything again next time.
        needFull = true;
        throw err;
      }
      const looked = only ?? undefined;
      if (looked === undefined) broken.clear();
      else for (const name of looked) broken.delete(name);
      for (const p of result.problems) broken.set(p.file, p);
      return { ...result, problems: [...broken.values()].sort((a, b) => a.file.localeCompare(b.file)) };
    },
    close() {
      watcher?.close();
      watcher = undefined;
    },
  };
}
