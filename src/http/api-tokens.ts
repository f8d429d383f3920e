// Named API tokens: one per CMS or client, so every write is attributable to a client and one
// token can be revoked alone. The token file (FEEDWRIGHT_API_TOKEN_FILE) holds one `name:token`
// a line, optionally `name:token:read` (a read-only token: /metrics, /stats, /healthz details,
// GET /api/articles; never a write) or `name:token:write` (the same as no third field: every
// route); a file holding one bare token (the form before names) is that token named `default`.
// Tokens are compared in constant time; names, never secrets, go to the log.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { stripBom } from '../core/json-text.js';
import { decodeUtf8, describeEncodingError } from '../core/text-encoding.js';

/**
 * What a token may do: `read` (the read-only routes: /metrics, /stats, /healthz details, GET
 * /api/articles) or `write` (everything, writes included).
 */
export type TokenScope = 'read' | 'write';

/** One token: the client's name (what the log and metrics show), its secret and its scope (default `write`). */
export interface ApiToken {
  name: string;
  secret: string;
  scope?: TokenScope;
}

/** A client name: letters, digits, `.`, `_`, `-`, 1 to 64 characters. */
export const TOKEN_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * A secret: 16 to 512 visible ASCII characters (no spaces). In the named form it holds no `:`
 * either (the `:` before a scope ends it).
 */
export const SECRET = /^[\x21-\x7e]{16,512}$/;

/** What FEEDWRIGHT_API_TOKEN and a named line's secret must be, in words (for error messages). */
export const SECRET_RULE = '16 to 512 visible ASCII characters without spaces';

/** The name a bare token (a file of one line without a name, or FEEDWRIGHT_API_TOKEN) gets. */
export const DEFAULT_TOKEN_NAME = 'default';

/**
 * Parses a token file's text (one leading byte order mark ignored, see stripBom): lines
 * `name:token`, `name:token:read` (scope read) or `name:token:write` (scope write, as without a
 * third field); blank lines and lines starting with `#` are skipped; a file whose only line is a
 * bare token (no `:`) gives `[{ name: 'default', scope: 'write', … }]`.
 * Returns the tokens, or the problems (1-based line numbers and names, never the secret's text):
 * a malformed line, a third field other than read or write, a name or secret used twice, no
 * token at all.
 */
export function parseTokenFile(source: string): { tokens: ApiToken[] } | { problems: string[] } {
  const text = stripBom(source);
  const lines = text.split(/\r?\n/).map((l, i) => ({ line: l.trim(), n: i + 1 })).filter((l) => l.line !== '' && !l.line.startsWith('#'));
  const problems: string[] = [];
  if (lines.length === 1 && !(lines[0] as { line: string }).line.includes(':')) {
    const secret = (lines[0] as { line: string }).line;
    // The single-token form kept its old rule: any token without white space.
    if (/\s/.test(secret)) return { problems: ['the token must be one line without spaces'] };
    return { tokens: [{ name: DEFAULT_TOKEN_NAME, secret, scope: 'write' }] };
  }
  const tokens: ApiToken[] = [];
  for (const { line, n } of lines) {
    const fields = line.split(':').map((f) => f.trim());
    const name = fields.length < 2 ? '' : (fields[0] as string);
    const secret = fields[1] ?? '';
    const scope = fields[2];
    if (fields.length < 2 || !TOKEN_NAME.test(name)) problems.push(`line ${n} must be name:token or name:token:read|write, the name of letters, digits, . _ - (1 to 64)`);
    else if (fields.length > 3) problems.push(`line ${n} (${name}) must be name:token or name:token:read|write (a named token holds no ":")`);
    else if (scope !== undefined && scope !== 'read' && scope !== 'write') problems.push(`line ${n} (${name}): the third field must be read or write (read: a read-only token), or left out (a full token)`);
    else if (!SECRET.test(secret)) problems.push(`line ${n} (${name}): the token must be ${SECRET_RULE}`);
    else if (tokens.some((t) => t.name === name)) problems.push(`line ${n}: the name ${name} is used twice`);
    else if (tokens.some((t) => t.secret === secret)) problems.push(`line ${n} (${name}): the token is the same as another line's`);
    else tokens.push({ name, secret, scope: scope ?? 'write' });
  }
  if (problems.length === 0 && tokens.length === 0) problems.push('holds no token');
  return problems.length > 0 ? { problems } : { tokens };
}

/** The tokens the API accepts now; replaceable while the server runs (a reload). */
export interface ApiTokens {
  /**
   * The name of the token `presented` equals, else undefined. Constant time in the secret: the
   * presented value is hashed (SHA-256, equalising lengths) and compared with every token's
   * hash with timingSafeEqual, without stopping at a match.
   */
  match(presented: string): string | undefined;
  /** The scope of the token named `name` (`write` when the token gave none); undefined for a name that holds no token. */
  scope(name: string): TokenScope | undefined;
  /** How many tokens there are (0: the API is off). */
  count(): number;
  /** The names, in file order (for the log of a reload). */
  names(): string[];
  /** Replaces every token at once. */
  replace(tokens: readonly ApiToken[]): void;
  /**
   * A key derived from the named token's secret (its SHA-256, 32 bytes), for signing a session
   * that ends when the token is rotated or revoked (the /stats login cookie); undefined for a
   * name that holds no token.
   */
  sessionKey(name: string): Buffer | undefined;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Creates a token set holding `tokens`. */
export function createApiTokens(tokens: readonly ApiToken[]): ApiTokens {
  let held: { name: string; digest: Buffer; scope: TokenScope }[] = [];
  const set: ApiTokens = {
    match(presented) {
      const d = digest(presented);
      let found: string | undefined;
      for (const t of held) if (timingSafeEqual(d, t.digest) && found === undefined) found = t.name;
      return found;
    },
    scope: (name) => held.find((t) => t.name === name)?.scope,
    count: () => held.length,
    names: () => held.map((t) => t.name),
    sessionKey: (name) => held.find((t) => t.name === name)?.digest,
    replace(next) {
      held = next.map((t) => ({ name: t.name, digest: digest(t.secret), scope: t.scope ?? 'write' }));
    },
  };
  set.replace(tokens);
  return set;
}

/**
 * A token file's text from its bytes: UTF-8 (see core/text-encoding.ts), else the problem naming
 * the line, column and byte of the first bad byte, or saying the file is UTF-16 (never the secret).
 */
export function tokenFileText(bytes: Uint8Array): { text: string } | { problems: string[] } {
  const decoded = decodeUtf8(bytes);
  return 'error' in decoded ? { problems: [describeEncodingError(decoded.error)] } : decoded;
}

/** A token set read from a file, with `reload()` (what `serve` calls on SIGHUP). */
export interface FileApiTokens extends ApiTokens {
  readonly file: string;
  /**
   * Reads the file again and replaces the tokens when it parses; when it cannot be read or does
   * not parse, the tokens in use stay and the problems are returned (never the secrets).
   */
  reload(): { ok: true; names: string[] } | { ok: false; problems: string[] };
}

/**
 * Reads `file` into a token set. Throws an Error whose message names the file and the problems
 * (never a secret) when it cannot be read or does not parse.
 */
export function openApiTokenFile(file: string): FileApiTokens {
  const read = (): { tokens: ApiToken[] } | { problems: string[] } => {
    try {
      const text = tokenFileText(readFileSync(file));
      return 'problems' in text ? text : parseTokenFile(text.text);
    } catch (err) {
      return { problems: [`cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`] };
    }
  };
  const first = read();
  if ('problems' in first) throw new Error(`${file}: ${first.problems.join('; ')}`);
  const set = createApiTokens(first.tokens);
  return Object.assign(set, {
    file,
    reload() {
      const next = read();
      if ('problems' in next) return { ok: false as const, problems: next.problems };
      set.replace(next.tokens);
      return { ok: true as const, names: set.names() };
    },
  });
}
