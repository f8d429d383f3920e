// The command table: one entry per command (name, summary, arguments, options, help, run).
// Adding a command is adding an entry here; parsing and help come from the entries (options.ts).
import { runBackup } from './backup.js';
import { runCheck } from './check.js';
import { runCompile } from './compile.js';
import { runImportCommand } from './import.js';
import { runInit } from './init.js';
import { commandHelp, mainHelp, UsageError, type CommandSpec } from './options.js';
import { runServe } from './serve.js';
import { runtimeOf } from './context.js';
import { loadSiteConfig } from '../config.js';
import { expectStore, statsCommand } from '../stats/stats-command.js';

/** Every command, in the order `feedwright help` lists them. */
export const COMMANDS: CommandSpec[] = [
  {
    name: 'serve',
    summary: 'serve the feeds over HTTP and compile them on the schedule in site.json',
    description: `Serves every feed on PORT (default 3000) and HOST (default all interfaces) and compiles on the
schedule of site.json. The server answers at once: /healthz says 503 until the first compile
has published. SIGTERM or SIGINT stops the schedule, finishes requests in flight and exits 0.
When the address cannot be opened (port taken, no permission, unknown HOST) it says so in one
fatal record of its log (stdout) and exits 1.
With a database URL the instance joins the instances sharing that store: it serves the published
set from the database at once, one instance compiles for all (see docs/scaling.md).`,
    options: [],
    run: runServe,
  },
  {
    name: 'compile',
    summary: 'compile once, print a summary (counts, time), exit',
    description: `Reads data/articles/ into the store, renders every changed feed, prints a summary (feeds,
articles, documents, time) and exits: 0 when everything published, 1 when a file was skipped or
a feed failed (each named on stderr, with the line and column of a JSON error). Progress goes to
stderr: a bar on a terminal for work over two seconds, a line per tenth on a pipe. With a database
URL it compiles only when no running instance is the cluster's compiler (else exits 1 saying so).`,
    options: [
      { name: 'verbose', type: 'boolean', help: 'also list every document written (path, sizes, ETag)' },
      { name: 'json', type: 'boolean', help: 'print one JSON object (counts, times, problems) instead of text' },
    ],
    run: runCompile,
  },
  {
    name: 'check',
    summary: 'validate site.json and every article file, print every problem, exit 1 if any',
    description: `Validates site.json and every file in articles/ without writing anything; prints every
problem with its file and field (a JSON error with its line and column); exits 1 if there is any.`,
    options: [],
    run: runCheck,
  },
  {
    name: 'import',
    summary: 'import an RSS 2.0, RSS 1.0/RDF or Atom feed or a WordPress export (file or URL)',
    args: '<file-or-url>',
    positionals: { min: 1, max: 1, missing: 'import needs a feed file or an http(s) URL' },
    description: `Reads an RSS 2.0, RSS 1.0/RDF or Atom 1.0 feed or a WordPress export (WXR; a file — plain, .gz
or a .zip holding it — or an http(s) URL: 30 s and 100 MB at most) as a stream and stores each
item as an article whose guid stays its id in every feed, so readers see no duplicates after the
move. From a WordPress export only published posts are imported (future ones embargoed until
their date); other post types with --post-types. Prints every skipped item (file, item number,
reason), then how many items were imported, updated, unchanged and skipped by kind, what items
lost, and the redirects to add to site.json. Importing the same feed again changes nothing.
Writes are one transaction per batch of 200 items; memory holds one batch, whatever the size of
the export. Nothing is rendered here: \`serve\` publishes the articles at its next compile (it
reads what other processes wrote from the store), or run \`feedwright compile\`. Exits 1 when an
item could not be imported (drafts, pages and attachments left out on purpose do not count), or
when the source is not well-formed XML (named with its line and column).
With a database URL the import only writes: the instance that compiles for the cluster publishes
the articles within about a second.`,
    options: [
      { name: 'dry-run', type: 'boolean', help: 'read and report everything, write nothing' },
      { name: 'post-types', type: 'string', value: 'LIST', help: 'WordPress post types to import, e.g. post,page (default: post)' },
      { name: 'keep-footer', type: 'boolean', help: 'keep "The post … appeared first on …" footers' },
    ],
    run: runImportCommand,
  },
  {
    name: 'backup',
    summary: 'copy the SQLite store to a file while the server keeps running',
    args: '<file>',
    positionals: { min: 1, max: 1, missing: 'backup needs the file to write, e.g. feedwright backup /var/backups/feedwright-$(date +%F).db' },
    description: `Copies the SQLite store (data/feedwright.db) to <file> with SQLite's online backup API: safe
while \`feedwright serve\` runs and writes (a plain file copy of a WAL database is not). The copy
is checked, is one self-contained file, and is renamed into place only when complete; an
existing <file> is never overwritten. Prints the size and the number of articles. To restore,
stop the server and copy <file> to data/feedwright.db. A PostgreSQL store is backed up with
pg_dump instead.`,
    options: [],
    run: runBackup,
  },
  {
    name: 'init',
    summary: 'start a data folder: a starter site.json and an example article',
    args: '[DIR]',
    positionals: { min: 0, max: 1 },
    description: `Writes DIR/site.json (every required setting, with defaults to edit) and one example article,
DIR/articles/welcome.json, then prints the next steps. DIR defaults to the data folder (--data,
FEEDWRIGHT_DATA, ./data). Never overwrites: exits 1 naming the file when either exists.`,
    options: [],
    run: runInit,
  },
  {
    name: 'stats',
    summary: 'print the readers counted: polls, 304s, bytes, subscribers, readers',
    description: `Prints the readers counted over the last 7 days (UTC), as on the /stats page: per document and
for the whole site, requests, 200s, 304s, the 304 share, bytes sent (in total, gzip, br), the
aggregators' subscribers (each one's highest count of the 7 days) and today's individual readers;
then the same per origin (the primary and each mirror: requests, 200s, 304s, the 304 share,
bytes, subscribers); then the requests and readers by User-Agent family. Counts reach the store at each flush of a
running server (every FEEDWRIGHT_STATS_FLUSH_SECONDS, default 60, and when it stops). Only reads:
a data folder without a store (nothing compiled or served yet) is said so, exit 1, creating none.`,
    options: [{ name: 'json', type: 'boolean', help: 'print the same report as /stats.json' }],
    run: async (args) => {
      const runtime = runtimeOf(args);
      // Before site.json: a folder with no store has nothing to report, whatever else it holds.
      expectStore(runtime);
      return statsCommand(runtime, loadSiteConfig(runtime.dataDir, process.env), { json: args.values.json === true });
    },
  },
  {
    name: 'help',
    summary: 'show the commands, or one command\'s options (feedwright help compile)',
    args: '[command]',
    positionals: { min: 0, max: 1 },
    description: 'Prints the list of commands, or with a command name that command\'s usage and options.',
    options: [],
    run: async (args) => {
      const name = args.positionals[0];
      if (name === undefined) {
        process.stdout.write(mainHelp(COMMANDS));
        return 0;
      }
      const command = COMMANDS.find((c) => c.name === name);
      if (command === undefined) throw new UsageError(`unknown command "${name}"`, '');
      process.stdout.write(commandHelp(command));
      return 0;
    },
  },
];
