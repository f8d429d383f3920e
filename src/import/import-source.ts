// Where an import reads from: a file or an http(s) URL, plain, gzip-compressed or a ZIP archive
// holding the export, decoded to text as a stream of chunks (so a 200 MB export never sits in
// memory whole). Errors name the source.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import yauzl from 'yauzl';
import { FeedwrightError, type ErrorCode } from '../core/errors.js';
import { firstInvalidUtf8 } from '../core/text-encoding.js';

/** The error code of a source that cannot be read or fetched (see the report: IMPORT_READ). */
const READ_ERROR: ErrorCode = 'ARTICLE_READ';

/** The largest feed the importer fetches over http(s), in bytes (after decompression). */
export const MAX_FEED_BYTES = 100 * 1024 * 1024;
/** How long a fetch may take, start to end. */
export const FETCH_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 5;

const CHARSET = /charset\s*=\s*"?([A-Za-z0-9._:-]+)"?/i;

/**
 * Decodes a feed's bytes: a byte order mark, else the HTTP charset (RFC 7303 §3.2 makes it
 * authoritative), else the XML declaration's encoding, else UTF-8.
 */
export function decodeFeed(bytes: Buffer, contentType?: string): string {
  const { label, skip } = charsetOf(bytes, contentType);
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label, { fatal: true });
  } catch {
    throw new FeedwrightError(READ_ERROR, `the feed's character encoding "${label}" is not supported`);
  }
  try {
    return decoder.decode(bytes.subarray(skip));
  } catch {
    throw badBytes('the feed', decoder.encoding, bytes.subarray(skip), skip, false);
  }
}

/**
 * The error for bytes that break their encoding: for UTF-8, the offset of the first bad byte
 * and why (core/text-encoding.ts), counted from the start of the source (`before` bytes precede
 * `data`); otherwise the chunk it lies in.
 */
function badBytes(name: string, encoding: string, data: Uint8Array, before: number, partialEnd: boolean): FeedwrightError {
  const bad = encoding === 'utf-8' ? firstInvalidUtf8(data, partialEnd) : undefined;
  const where = bad === undefined ? `bytes ${before}-${before + data.length - 1}` : `byte ${before + bad.byte}`;
  const why = bad === undefined ? `not valid ${encoding}` : `not valid UTF-8: ${bad.reason}`;
  return new FeedwrightError('ARTICLE_PARSE', `${name}: ${where}: ${why}; save it in the encoding its XML declaration names (UTF-8 when it names none)`, { file: name });
}

/** The bytes of a stream, counted against `maxBytes`: more is an error naming `what`. */
async function* limited(stream: AsyncIterable<Buffer>, maxBytes: number, what: string): AsyncGenerator<Buffer> {
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > maxBytes) throw new FeedwrightError(READ_ERROR, `${what} is larger than ${maxBytes} bytes`);
    yield chunk;
  }
}

/**
 * Fetches a feed over http(s) as a stream of bytes: redirects followed (at most 5), gzip,
 * deflate and br Content-Encodings decoded, at most `maxBytes` bytes after decoding and
 * `timeoutMs` from the request to the last byte. Throws (also from the stream, mid-way) a
 * FeedwrightError `ARTICLE_READ` naming the URL.
 */
export async function fetchFeedStream(url: string, options: { maxBytes?: number; timeoutMs?: number } = {}): Promise<{ stream: AsyncIterable<Buffer>; contentType?: string; size?: number }> {
  const maxBytes = options.maxBytes ?? MAX_FEED_BYTES;
  const timeoutMs = options.timeoutMs ?? FETCH_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const tooSlow = () => new FeedwrightError(READ_ERROR, `fetching ${url} took longer than ${timeoutMs} ms`);
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
    const target = new URL(current);
    const request = target.protocol === 'https:' ? httpsRequest : target.protocol === 'http:' ? httpRequest : undefined;
    if (request === undefined) throw new FeedwrightError(READ_ERROR, `cannot fetch ${current}: only http and https are supported`);
    const left = deadline - Date.now();
    if (left <= 0) throw tooSlow();
    const result = await new Promise<{ redirect: string } | { stream: AsyncIterable<Buffer>; contentType?: string; size?: number }>((resolve, reject) => {
      const req = request(target, {
        method: 'GET',
        headers: {
          'User-Agent': 'feedwright-import',
          Accept: 'application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1',
          'Accept-Encoding': 'gzip, deflate, br',
        },
      });
      let body: Readable | undefined;
      // One timer for the whole exchange: it fails the request, or the body mid-way.
      const timer = setTimeout(() => {
        const err = tooSlow();
        if (body !== undefined) body.destroy(err);
        req.destroy(err);
      }, left);
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(err instanceof FeedwrightError ? err : new FeedwrightError(READ_ERROR, `cannot fetch ${current}: ${err.message}`, { cause: err }));
      };
      req.on('error', fail);
      req.on('response', (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (status >= 300 && status < 400 && location !== undefined) {
          res.resume();
          clearTimeout(timer);
          resolve({ redirect: new URL(location, current).href });
          return;
        }
        if (status < 200 || status > 299) {
          res.resume();
          fail(new FeedwrightError(READ_ERROR, `cannot fetch ${current}: the server answered ${status}`));
          return;
        }
        const declared = Number(res.headers['content-length']);
        const encoding = (res.headers['content-encoding'] ?? '').trim().toLowerCase();
        if (encoding === '' && Number.isFinite(declared) && declared > maxBytes) {
          res.destroy();
          fail(new FeedwrightError(READ_ERROR, `${current} is larger than ${maxBytes} bytes`));
          return;
        }
        let stream: Readable = res;
        if (encoding === 'gzip' || encoding === 'x-gzip') stream = res.pipe(createGunzip());
        else if (encoding === 'deflate') stream = res.pipe(createInflate());
        else if (encoding === 'br') stream = res.pipe(createBrotliDecompress());
        else if (encoding !== '' && encoding !== 'identity') {
          res.resume();
          fail(new FeedwrightError(READ_ERROR, `cannot fetch ${current}: unknown Content-Encoding ${encoding}`));
          return;
        }
        if (stream !== res) res.on('error', (err) => stream.destroy(err));
        body = stream;
        const name = current;
        async function* read(): AsyncGenerator<Buffer> {
          try {
            yield* limited(stream as AsyncIterable<Buffer>, maxBytes, name);
          } catch (err) {
            throw err instanceof FeedwrightError ? err : new FeedwrightError(READ_ERROR, `cannot fetch ${name}: ${(err as Error).message}`, { cause: err });
          } finally {
            // Done, failed, or the reader stopped early (a parse error): the connection goes.
            clearTimeout(timer);
            req.destroy();
          }
        }
        const contentType = res.headers['content-type'];
        resolve({ stream: read(), ...(contentType === undefined ? {} : { contentType }), ...(encoding === '' && Number.isFinite(declared) ? { size: declared } : {}) });
      });
      req.end();
    });
    if ('stream' in result) return result;
    current = result.redirect;
  }
  throw new FeedwrightError(READ_ERROR, `cannot fetch ${url}: more than ${MAX_REDIRECTS} redirects`);
}

/** Fetches a whole feed over http(s) into memory (see fetchFeedStream for the rules). */
export async function fetchFeed(url: string, options: { maxBytes?: number; timeoutMs?: number } = {}): Promise<{ body: Buffer; contentType?: string }> {
  const { stream, contentType } = await fetchFeedStream(url, options);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return { body: Buffer.concat(chunks), ...(contentType === undefined ? {} : { contentType }) };
}

/** A source opened for reading: its text in chunks, and how far the reading has got. */
export interface FeedStream {
  /** The source as named in messages (the path or URL; `archive.zip:export.xml` inside a ZIP). */
  name: string;
  chunks: AsyncIterable<string>;
  /** Bytes read from the source so far (compressed, as stored), for progress. */
  bytesRead(): number;
  /** The source's size in bytes when known (a file, a Content-Length). */
  bytesTotal?: number;
}

/** The first bytes of a stream, and the stream with them put back. */
async function peek(stream: AsyncIterable<Buffer>): Promise<{ head: Buffer; stream: AsyncIterable<Buffer> }> {
  const it = stream[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  while (size < 512) {
    const r = await it.next();
    if (r.done) {
      finished = true;
      break;
    }
    const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as Uint8Array);
    chunks.push(chunk);
    size += chunk.length;
  }
  const head = Buffer.concat(chunks);
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (finished) return;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value as Buffer;
  }
  return { head, stream: rest() };
}

/** The character set of a feed from its first bytes: a byte order mark, the HTTP charset (RFC 7303 §3.2), the XML declaration, else UTF-8. */
function charsetOf(head: Buffer, contentType: string | undefined): { label: string; skip: number } {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { label: 'utf-8', skip: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { label: 'utf-16le', skip: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { label: 'utf-16be', skip: 2 };
  // UTF-16 without a byte order mark, told by its first "<?" (XML 1.0 Appendix F).
  if (head[0] === 0x3c && head[1] === 0x00 && head[2] === 0x3f && head[3] === 0x00) return { label: 'utf-16le', skip: 0 };
  if (head[0] === 0x00 && head[1] === 0x3c && head[2] === 0x00 && head[3] === 0x3f) return { label: 'utf-16be', skip: 0 };
  const fromHeader = contentType === undefined ? undefined : CHARSET.exec(contentType)?.[1];
  if (fromHeader !== undefined) return { label: fromHeader, skip: 0 };
  const declaration = /^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(head.subarray(0, 200).toString('latin1'));
  return { label: declaration?.[1] ?? 'utf-8', skip: 0 };
}

/** Decodes a byte stream to text chunks (gzip undone first when the bytes say so). */
async function* decodeStream(bytes: AsyncIterable<Buffer>, name: string, contentType: string | undefined): AsyncGenerator<string> {
  let { head, stream } = await peek(bytes);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    // A gzip file (export.xml.gz): inflated as it is read.
    const gunzip = createGunzip();
    const source = Readable.from(stream);
    source.on('error', (err) => gunzip.destroy(err));
    source.pipe(gunzip);
    ({ head, stream } = await peek(gunzip));
  }
  if (head.length >= 4 && head.readUInt32LE(0) === 0x04034b50) throw new FeedwrightError(READ_ERROR, `${name}: a ZIP archive is read from a file only (ZIP needs random access): download it and import the file`, { file: name });
  const { label, skip } = charsetOf(head, contentType);
  let decoder: TextDecoder;
  try {
    // fatal: a byte that breaks the encoding stops the import, named, never a U+FFFD stored.
    decoder = new TextDecoder(label, { fatal: true });
  } catch {
    throw new FeedwrightError(READ_ERROR, `${name}: the feed's character encoding "${label}" is not supported`, { file: name });
  }
  let first = true;
  /** Bytes before the chunk in hand (of the decoded stream, after gzip), and the last few of the one before. */
  let before = 0;
  let tail: Uint8Array = new Uint8Array(0);
  /** The error for a chunk the decoder refused: the bytes of a sequence the previous chunk began count. */
  const refused = (chunk: Uint8Array, partialEnd: boolean): FeedwrightError => {
    let from = 0;
    while (from < tail.length && ((tail[from] as number) & 0xc0) === 0x80) from += 1;
    const carried = tail.subarray(from);
    return badBytes(name, decoder.encoding, Buffer.concat([carried, chunk]), before - carried.length, partialEnd);
  };
  try {
    for await (const raw of stream) {
      const chunk = first ? raw.subarray(skip) : raw;
      if (first) before = skip;
      first = false;
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        throw refused(chunk, true);
      }
      yield text;
      tail = chunk.subarray(Math.max(0, chunk.length - 3));
      before += chunk.length;
    }
  } catch (err) {
    if (err instanceof FeedwrightError) throw err;
    throw new FeedwrightError(READ_ERROR, `cannot read ${name}: ${(err as Error).message}`, { file: name, cause: err });
  }
  let last: string;
  try {
    last = decoder.decode();
  } catch {
    throw refused(new Uint8Array(0), false);
  }
  if (last !== '') yield last;
}

/** Counts the bytes passing through. */
async function* counted(stream: AsyncIterable<Buffer>, counter: { n: number }): AsyncGenerator<Buffer> {
  for await (const chunk of stream) {
    counter.n += chunk.length;
    yield chunk;
  }
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => yauzl.open(path, { lazyEntries: true, autoClose: true }, (err, zip) => (err ? reject(err) : resolve(zip))));
}

/** The export inside a ZIP archive: its only file, else its only .xml file (yauzl, read as a stream). */
async function zipEntry(path: string): Promise<{ name: string; stream: Readable; size: number }> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(path);
  } catch (err) {
    throw new FeedwrightError(READ_ERROR, `${path}: not a readable ZIP archive: ${(err as Error).message}`, { file: path, cause: err });
  }
  const entries: yauzl.Entry[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (e: yauzl.Entry) => {
      if (!e.fileName.endsWith('/') && !e.fileName.startsWith('__MACOSX/')) entries.push(e);
      zip.readEntry();
    });
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  });
  const xml = entries.filter((e) => /\.xml$/i.test(e.fileName));
  const entry = entries.length === 1 ? entries[0] : xml.length === 1 ? xml[0] : undefined;
  if (entry === undefined) {
    zip.close();
    throw new FeedwrightError(READ_ERROR, `${path}: the ZIP archive should hold one export (.xml); it holds ${entries.length === 0 ? 'no file' : entries.map((e) => e.fileName).join(', ')}`, { file: path });
  }
  // The archive is opened again for reading (lazyEntries closed the listing's reads).
  const reading = await openZip(path);
  const stream = await new Promise<Readable>((resolve, reject) => {
    reading.on('entry', (e: yauzl.Entry) => {
      if (e.fileName !== entry.fileName) return reading.readEntry();
      reading.openReadStream(e, (err, s) => (err ? reject(err) : resolve(s)));
    });
    reading.on('error', reject);
    reading.readEntry();
  });
  zip.close();
  return { name: `${path}:${entry.fileName}`, stream, size: entry.compressedSize };
}

/**
 * Opens a feed for reading as a stream of text: a file (plain, gzip or a ZIP holding one export)
 * or an http(s) URL (redirects followed, Content-Encoding and gzip bodies undone, at most
 * `maxBytes` bytes and `timeoutMs` ms). Throws a FeedwrightError `ARTICLE_READ` naming the source
 * when it cannot be opened; reading errors are thrown by the chunks' iterator, also named.
 */
export async function openFeedStream(source: string, options: { maxBytes?: number; timeoutMs?: number } = {}): Promise<FeedStream> {
  const counter = { n: 0 };
  if (/^https?:\/\//i.test(source)) {
    const { stream, contentType, size } = await fetchFeedStream(source, options);
    return { name: source, chunks: decodeStream(counted(stream, counter), source, contentType), bytesRead: () => counter.n, ...(size === undefined ? {} : { bytesTotal: size }) };
  }
  let size: number;
  try {
    size = (await stat(source)).size;
  } catch (err) {
    throw new FeedwrightError(READ_ERROR, `cannot read ${source}: ${(err as Error).message}`, { file: source, cause: err });
  }
  const magic = Buffer.alloc(4);
  const fd = await import('node:fs/promises').then((fs) => fs.open(source, 'r'));
  try {
    await fd.read(magic, 0, 4, 0);
  } finally {
    await fd.close();
  }
  if (magic.readUInt32LE(0) === 0x04034b50) {
    const entry = await zipEntry(source);
    return { name: entry.name, chunks: decodeStream(counted(entry.stream, counter), entry.name, undefined), bytesRead: () => counter.n, bytesTotal: entry.size };
  }
  const file = createReadStream(source, { highWaterMark: 256 * 1024 });
  return { name: source, chunks: decodeStream(counted(file, counter), source, undefined), bytesRead: () => counter.n, bytesTotal: size };
}

