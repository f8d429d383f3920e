// `feedwright backup <file>`: a consistent copy of the SQLite store while the server runs.
import { backupSqliteStore } from '../store/sqlite-backup.js';
import { runtimeOf } from './context.js';
import { UsageError, type ParsedArgs } from './options.js';
import { count } from '../core/plural.js';

/** Copies the store to `<file>` (never overwriting) and prints its size; throws a UsageError for a PostgreSQL store. */
export async function runBackup(args: ParsedArgs): Promise<number> {
  const target = args.positionals[0] as string;
  const runtime = runtimeOf(args);
  if (runtime.databaseUrl !== undefined) throw new UsageError('the store is in PostgreSQL (DATABASE_URL or --database-url): back it up with pg_dump', 'backup');
  const report = await backupSqliteStore(runtime.databaseFile, target);
  console.log(`backed up ${runtime.databaseFile} to ${target}: ${count(report.articles, 'article')}, ${count(report.bytes, 'byte')}, schema version ${report.schemaVersion}`);
  return 0;
}
