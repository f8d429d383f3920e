// `feedwright backup`: an online copy of the SQLite store. The store runs in WAL mode, so the
// database file alone is not the database (committed pages may still sit in feedwright.db-wal):
// a file copy can miss writes or tear. SQLite's online backup API (sqlite3_backup_*, through
// better-sqlite3's db.backup) copies a consistent snapshot while the server keeps serving and
// writing, restarting by itself when another connection writes during the copy.
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { FeedwrightError } from '../core/errors.js';
import { notAFolder, whyNotWritable } from '../folders.js';

/** What a backup wrote. */
export interface BackupReport {
  /** The backup file's size in bytes. */
  bytes: number;
  /** Live (not deleted) articles in the copy. */
  articles: number;
  /** The copy's schema version (`PRAGMA user_version`, see sqlite-store.ts SCHEMA_VERSION). */
  schemaVersion: number;
}

/**
 * Copies the SQLite store `databaseFile` to `destination` with SQLite's online backup API while
 * other processes (a running `feedwright serve`) keep using it. The copy is written beside the
 * destination as `<destination>.partial-<pid>`, checked (`PRAGMA quick_check`), switched to the
 * rollback journal (one self-contained file, safe to copy and move) and only then renamed into
 * place, so the destination is never a half-written file. Restoring is copying the file back to
 * `data/feedwright.db` with the server stopped.
 * Throws a FeedwrightError `BACKUP_FAILED` when the store does not exist, the destination
 * exists (a backup never overwrites), its folder is a file or lies under one, or does not exist,
 * or the copy or its check fails.
 */
export async function backupSqliteStore(databaseFile: string, destination: string): Promise<BackupReport> {
  if (existsSync(destination)) throw new FeedwrightError('BACKUP_FAILED', `${destination} exists: a backup never overwrites a file, name a new one`, { file: destination });
  if (!existsSync(databaseFile)) throw new FeedwrightError('BACKUP_FAILED', `there is no store at ${databaseFile} to back up`, { file: databaseFile });
  const folder = dirname(resolve(destination));
  const inTheWay = notAFolder(folder);
  if (inTheWay !== undefined) throw new FeedwrightError('BACKUP_FAILED', `${inTheWay} is a file, not a folder (the backup's folder, for ${destination})`, { file: inTheWay });
  if (!existsSync(folder)) throw new FeedwrightError('BACKUP_FAILED', `the folder ${folder} does not exist: make it first (a backup makes no folders)`, { file: folder });
  const partial = `${destination}.partial-${process.pid}`;
  let source: Database.Database | undefined;
  try {
    source = new Database(databaseFile, { fileMustExist: true });
    source.pragma('busy_timeout = 5000');
    await source.backup(partial);
  } catch (err) {
    rmSync(partial, { force: true });
    // SQLite's "unable to open database file" does not say why: a folder that cannot be written does.
    const why = whyNotWritable(folder);
    throw new FeedwrightError('BACKUP_FAILED', `cannot copy ${databaseFile} to ${destination}: ${(err as Error).message}${why === undefined ? '' : `; ${why}`}`, { file: destination, cause: err });
  } finally {
    source?.close();
  }
  let copy: Database.Database | undefined;
  try {
    copy = new Database(partial, { fileMustExist: true });
    const check = copy.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`quick_check says ${String(check)}`);
    copy.pragma('journal_mode = DELETE');
    const schemaVersion = copy.pragma('user_version', { simple: true }) as number;
    const articles = (copy.prepare('SELECT count(*) AS n FROM articles WHERE deleted = 0').get() as { n: number }).n;
    copy.close();
    copy = undefined;
    renameSync(partial, destination);
    return { bytes: statSync(destination).size, articles, schemaVersion };
  } catch (err) {
    copy?.close();
    rmSync(partial, { force: true });
    throw new FeedwrightError('BACKUP_FAILED', `the copy of ${databaseFile} failed its check: ${(err as Error).message}`, { file: destination, cause: err });
  }
}
