// Test support for the PostgreSQL store: the server the tests use (FEEDWRIGHT_TEST_PG_URL, see
// scripts/pg-test-cluster.sh), skipping with a reason when there is none (failing instead when
// FEEDWRIGHT_REQUIRE_PG=1, as in CI), and a fresh schema per store, dropped afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The test server's URL, or undefined when none is configured. */
export const PG_URL = process.env.FEEDWRIGHT_TEST_PG_URL === '' ? undefined : process.env.FEEDWRIGHT_TEST_PG_URL;
/** CI sets FEEDWRIGHT_REQUIRE_PG=1: then no server is a failure, not a skip. */
export const PG_REQUIRED = process.env.FEEDWRIGHT_REQUIRE_PG === '1';

/** Why the server cannot be used, or undefined when it answers. */
async function unavailable(): Promise<string | undefined> {
  if (PG_URL === undefined) return 'FEEDWRIGHT_TEST_PG_URL is not set (start a server with scripts/pg-test-cluster.sh start, see README "Tests")';
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    const e = err as Error & { code?: string; errors?: Error[] };
    return `the server at FEEDWRIGHT_TEST_PG_URL does not answer: ${e.message || e.errors?.map((x) => x.message).join('; ') || e.code || String(err)}`;
  } finally {
    await client.end().catch(() => {});
  }
}

let checked: Promise<string | undefined> | undefined;

/**
 * For a `before` hook (`before(function () { return needPostgres(this); })`): resolves when the
 * test server answers; otherwise prints why and skips the suite, or throws when PostgreSQL is
 * required (FEEDWRIGHT_REQUIRE_PG=1).
 */
export async function needPostgres(ctx: Mocha.Context): Promise<void> {
  checked ??= unavailable();
  const reason = await checked;
  if (reason === undefined) return;
  if (PG_REQUIRED) throw new Error(`FEEDWRIGHT_REQUIRE_PG=1 but ${reason}`);
  console.log(`      (PostgreSQL tests skipped: ${reason})`);
  ctx.skip();
}

/** `url` with its search path set to `schema` (libpq's `options`, sent at connect). */
export function withSearchPath(url: string, schema: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

/** A fresh, empty schema on the test server per call; `dropAll` removes every one made. */
export class TestSchemas {
  private readonly made: string[] = [];

  /** Creates an empty schema and returns its name and a URL whose search path is it. */
  async create(): Promise<{ schema: string; url: string }> {
    const schema = `fw_test_${randomBytes(6).toString('hex')}`;
    await this.sql(`CREATE SCHEMA ${schema}`);
    this.made.push(schema);
    return { schema, url: withSearchPath(PG_URL as string, schema) };
  }

  /** Runs SQL on the test server (its default schema unless the SQL names one). */
  async sql(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      return await client.query(text, values);
    } finally {
      await client.end();
    }
  }

  /** Drops every schema this made (and everything in it). */
  async dropAll(): Promise<void> {
    if (PG_URL === undefined || this.made.length === 0) return;
    await this.sql(`DROP SCHEMA IF EXISTS ${this.made.splice(0).join(', ')} CASCADE`);
  }
}
