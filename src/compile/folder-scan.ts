// The full scan of the article folder: which files are new or changed since the file index
// recorded them (by size and mtime), and which indexed files are gone. A serve compiles on a
// schedule and scans every file at start and every 10 minutes; at 100,000 files that is ~1 s of
// listing, index reading and stat-ing, so a render worker does it (render-pool.ts, `scanFolder`)
// and the serving thread gets only the short answer. Without workers it runs here, in slices.
import { lstatSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FeedwrightError } from '../core/errors.js';
import type { ArticleStore, FileEntry } from '../store/store.js';
import { createTimeSlicer } from './time-slice.js';

/** What a full scan found. Plain data: it crosses from a worker by structured clone. */
export interface FolderScan {
  /** How many article files (`*.json`, not hidden) the folder holds. */
  files: number;
  /** The files to read, sorted by name: not in the index, or whose size or mtime differ from it. */
  toRead: string[];
  /** The index entries of the files in `toRead` that the index has (changed files). */
  known: FileEntry[];
  /** The index entries whose file is no longer in the folder. */
  gone: FileEntry[];
  /**
   * Which present file holds which article, by the index: `id NUL name NUL` for each present
   * file with an article, in one string (a 100,000-file folder's map crosses from a worker as one
   * copy, not 200,000 strings; ownersOf() reads it).
   */
  owners: string;
}

/** Index entries read at a time: a page takes a few ms (see INDEX_PAGE use below). */
const INDEX_PAGE = 500;

/**
 * The article files of `dir` (`*.json`, not hidden), sorted; [] when the folder does not exist.
 * Throws `ARTICLE_READ` when it exists but cannot be listed.
 */
export async function listJsonFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new FeedwrightError('ARTICLE_READ', `cannot list ${dir}: ${(err as Error).message}`, { cause: err });
  }
}

/** Whether `dir` is a folder now (false when it does not exist; anything else that stops a stat throws ARTICLE_READ). */
function folderExists(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new FeedwrightError('ARTICLE_READ', `cannot look at ${dir}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Whether the article file `name` is there: false only when it is not (ENOENT, or ENOTDIR when
 * the folder went). Any other failure — EACCES on the folder, say — throws ARTICLE_READ naming
 * the file: a file that cannot be looked at is not a file that was deleted, and its article
 * must not be removed for it. A symlink whose target is gone counts as there (its read then
 * reports the problem, and the last good version stays live).
 */
function fileExists(dir: string, name: string): boolean {
  const path = join(dir, name);
  try {
    lstatSync(path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw new FeedwrightError('ARTICLE_READ', `cannot look at ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The error of an article folder that is gone while the index still lists files from it: a
 * folder moved away, unmounted or replaced mid-copy is not an instruction to unpublish every
 * article. The compile fails and the last good documents stay live; an empty folder (or the
 * files deleted) removes the articles.
 */
function missingFolder(dir: string, indexed: number): FeedwrightError {
  return new FeedwrightError('ARTICLE_READ', `the article folder ${dir} is missing, and ${indexed === 1 ? '1 article file was' : `${indexed} article files were`} read from it: nothing is removed and the last good documents stay live; restore the folder (an empty folder, or deleting the files, removes their articles)`);
}

/** Whether a present file's size or mtime differ from its index entry (or it cannot be stat-ed: read it, and its problem is reported). */
function changedSince(dir: string, name: string, entry: FileEntry): boolean {
  try {
    const st = statSync(join(dir, name));
    return st.mtimeMs !== entry.mtimeMs || st.size !== entry.size;
  } catch {
    return true;
  }
}

/**
 * Scans the whole folder against the store's file index (read in pages of 500, by name): lists
 * the files, stats every indexed one (statSync: ~2 µs a file, where the promise API costs ~30 µs
 * of bookkeeping), and gives what changed. In slices of a few ms, so on the serving thread (no
 * workers) readers are answered between them. Throws `ARTICLE_READ` when the folder cannot be
 * listed, and what the store throws when the index cannot be read.
 */
export async function scanArticleFolder(dir: string, store: Pick<ArticleStore, 'readFileIndex'>): Promise<FolderScan> {
  const names = await listJsonFiles(dir);
  const missing = names.length === 0 && !folderExists(dir);
  const slicer = createTimeSlicer();
  const index = new Map<string, FileEntry>();
  for (let after = ''; ; ) {
    if (slicer.due()) await slicer.pause();
    const page = await store.readFileIndex(after, INDEX_PAGE);
    for (const e of page) index.set(e.name, e);
    if (page.length < INDEX_PAGE) break;
    after = (page[page.length - 1] as FileEntry).name;
  }
  if (missing && index.size > 0) throw missingFolder(dir, index.size);
  const scan: FolderScan = { files: names.length, toRead: [], known: [], gone: [], owners: '' };
  for (const name of names) {
    if (slicer.due()) await slicer.pause();
    notePresent(scan, dir, name, index.get(name));
    index.delete(name);
  }
  // What is left of the index are the files no longer there.
  scan.gone.push(...index.values());
  return scan;
}

/**
 * Looks at the named files only (the watcher's list of what changed) against their index
 * entries: the same answer as scanArticleFolder for those files, `files` counting the names
 * looked at (a name that is not an article file is left out). Small, so on this thread.
 */
export async function scanNamedFiles(dir: string, store: Pick<ArticleStore, 'readFileEntries'>, only: ReadonlySet<string>): Promise<FolderScan> {
  const names = [...only].filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
  const index = new Map((await store.readFileEntries(names)).map((e) => [e.name, e]));
  // The folder itself gone: not a removal of these files (see missingFolder).
  if (!folderExists(dir) && index.size > 0) throw missingFolder(dir, index.size);
  const scan: FolderScan = { files: names.length, toRead: [], known: [], gone: [], owners: '' };
  for (const name of names) {
    const entry = index.get(name);
    if (fileExists(dir, name)) notePresent(scan, dir, name, entry);
    else if (entry !== undefined) scan.gone.push(entry);
  }
  return scan;
}

/**
 * Adds a file that is there to `scan`: to read when the index does not have it or it changed
 * since (with its entry in `known`), and its indexed article to the owners.
 */
function notePresent(scan: FolderScan, dir: string, name: string, entry: FileEntry | undefined): void {
  if (entry === undefined) {
    scan.toRead.push(name);
    return;
  }
  if (entry.articleId !== null) scan.owners += `${entry.articleId}\0${name}\0`;
  if (changedSince(dir, name, entry)) {
    scan.toRead.push(name);
    scan.known.push(entry);
  }
}

/**
 * The owners string of a FolderScan as a map (article id → file name), built in slices; the
 * last file wins for an id two files claim (the index never records that: a duplicate is refused).
 */
export async function ownersOf(scan: Pick<FolderScan, 'owners'>): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  const text = scan.owners;
  const slicer = createTimeSlicer();
  for (let i = 0; i < text.length; ) {
    if (slicer.due()) await slicer.pause();
    const idEnd = text.indexOf('\0', i);
    const nameEnd = text.indexOf('\0', idEnd + 1);
    owners.set(text.slice(i, idEnd), text.slice(idEnd + 1, nameEnd));
    i = nameEnd + 1;
  }
  return owners;
}

/** Scans the article folder: in a render worker (see render-pool.ts) or on this thread. */
export type FolderScanner = (dir: string) => Promise<FolderScan>;
