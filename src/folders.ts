// A file where a folder is expected (the data folder, articles/, a backup's folder, …): found
// before anything is written, and named in one line, instead of an ENOTDIR or EEXIST from
// mkdir or open deep inside a command.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FeedwrightError } from './core/errors.js';

/**
 * Why `path` cannot be used (or made, with mkdir -p) as a folder: the path of the first thing
 * on the way that exists and is not a folder — `path` itself, or the nearest existing folder
 * above it when that is a file. Undefined when `path` is a folder, or when the nearest part of
 * it that exists is a folder (so that mkdir -p can make the rest). Follows symbolic links; a
 * part that cannot be examined (no permission) is left to the code that uses it.
 */
export function notAFolder(path: string): string | undefined {
  for (let p = resolve(path); ; p = dirname(p)) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(p).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && dirname(p) !== p) continue;
      // ENOTDIR: a file above p; the loop reaches it. Anything else is not this fault.
      if (code === 'ENOTDIR') continue;
      return undefined;
    }
    return isDirectory ? undefined : p;
  }
}

/**
 * Throws a FeedwrightError `CONFIG_INVALID` when `path` cannot be a folder (see notAFolder):
 * `/srv/feeds is a file, not a folder (the data folder, --data)`, naming the file in the way and
 * `what` (which folder, and where its path came from).
 */
export function expectFolder(path: string, what: string): void {
  const file = notAFolder(path);
  if (file !== undefined) throw new FeedwrightError('CONFIG_INVALID', `${file} is a file, not a folder (${what})`, { file, problems: [{ field: what, message: `${file} is a file, not a folder` }] });
}

/** Why a file-system call failed, in words an operator reads, by Node's error code. */
const FS_FAULTS: Record<string, string> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a part of the path is a file, not a folder',
  ENOENT: 'no such file or folder',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EEXIST: 'it exists already',
};

/**
 * A failed file-system call in a few words with its code, e.g. `read-only file system (EROFS)`;
 * the error's message for a code not listed (or for an error without one).
 */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && FS_FAULTS[code] !== undefined) return `${FS_FAULTS[code]} (${code})`;
  return code ?? (err instanceof Error ? err.message : String(err));
}

/**
 * Why a process could not create or write files in `dir` (the nearest existing folder at or above
 * it), as describeFsError says it, or undefined when it can (or when that cannot be told). For a
 * library that fails without saying why (SQLite's "unable to open database file").
 */
export function whyNotWritable(dir: string): string | undefined {
  let p = resolve(dir);
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  try {
    accessSync(p, constants.W_OK);
    return undefined;
  } catch (err) {
    return `the folder ${p}: ${describeFsError(err)}`;
  }
}
