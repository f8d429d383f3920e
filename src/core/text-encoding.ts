// Text input is UTF-8 (RFC 3629), checked, never repaired: a byte that is not UTF-8 is an error
// naming its place, not a U+FFFD published to readers. UTF-16 (a byte order mark, or the NUL
// bytes of ASCII text stored two bytes a character) is named as such. Every file or body the
// product reads as text goes through decodeUtf8. Pure: no I/O.

/** Why bytes are not UTF-8 text, and where. */
export interface TextEncodingError {
  /** `utf-16`: the bytes are UTF-16 (see utf16Of); `invalid-utf-8`: a byte breaks UTF-8. */
  kind: 'utf-16' | 'invalid-utf-8';
  /** 0-based offset of the first bad byte (0 for UTF-16). */
  byte: number;
  /** 1-based line of that byte (lines end at \n, \r\n or \r). */
  line: number;
  /** 1-based column, in UTF-16 code units of the text before it on its line (a leading BOM takes none). */
  column: number;
  /** What is wrong, e.g. `byte 0xE9 is not followed by a continuation byte`. */
  reason: string;
}

const FATAL = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const LENIENT = new TextDecoder('utf-8', { ignoreBOM: true });

const hex = (b: number): string => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`;

/**
 * The UTF-16 byte order of `bytes`, or undefined when they do not look like UTF-16: a byte order
 * mark FF FE (little-endian) or FE FF (big-endian), else NUL bytes at every other place in the
 * first 1,024 bytes (ASCII text stored as UTF-16 without a mark: at least 30 % of the odd places
 * NUL and few even ones, or the reverse).
 */
export function utf16Of(bytes: Uint8Array): { order: 'little-endian' | 'big-endian'; bom: boolean } | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { order: 'little-endian', bom: true };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { order: 'big-endian', bom: true };
  const n = Math.min(bytes.length, 1024) & ~1;
  if (n < 2) return undefined;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) even += 1;
    if (bytes[i + 1] === 0) odd += 1;
  }
  const pairs = n / 2;
  if (odd >= Math.max(1, pairs * 0.3) && even <= odd * 0.1) return { order: 'little-endian', bom: false };
  if (even >= Math.max(1, pairs * 0.3) && odd <= even * 0.1) return { order: 'big-endian', bom: false };
  return undefined;
}

/**
 * The offset of the first byte of `bytes` that breaks UTF-8 (RFC 3629 §4: no overlong forms, no
 * surrogates, nothing above U+10FFFF), with why; undefined when all of it is UTF-8. A sequence cut
 * short by the end of `bytes` is an error unless `partialEnd` (a chunk of a stream: the rest may
 * follow).
 */
export function firstInvalidUtf8(bytes: Uint8Array, partialEnd = false): { byte: number; reason: string } | undefined {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i += 1;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else if (b >= 0x80 && b <= 0xbf) return { byte: i, reason: `byte ${hex(b)} is a continuation byte with no lead byte before it` };
    else return { byte: i, reason: `byte ${hex(b)} never appears in UTF-8` };
    for (let k = 1; k <= need; k += 1) {
      if (i + k >= n) return partialEnd ? undefined : { byte: i, reason: `byte ${hex(b)} starts a ${need + 1}-byte sequence that the end cuts short` };
      const c = bytes[i + k] as number;
      const [min, max] = k === 1 ? [lo, hi] : [0x80, 0xbf];
      if (c < min || c > max) {
        return { byte: i, reason: c >= 0x80 && c <= 0xbf ? `byte ${hex(b)} starts an overlong form, a surrogate or a code point above U+10FFFF` : `byte ${hex(b)} is not followed by the ${need} continuation byte${need === 1 ? '' : 's'} it needs (Latin-1 or Windows-1252 text?)` };
      }
    }
    i += need + 1;
  }
  return undefined;
}

/** The 1-based line and column (UTF-16 code units; a leading BOM takes none) of byte `offset`, all of whose bytes before it are UTF-8. */
function placeOf(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i += 1) {
    const c = bytes[i];
    if (c === 10 || (c === 13 && bytes[i + 1] !== 10)) {
      line += 1;
      start = i + 1;
    }
  }
  if (start === 0 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = Math.min(3, offset);
  return { line, column: LENIENT.decode(bytes.subarray(start, offset)).length + 1 };
}

/**
 * Decodes `bytes` as UTF-8 text, a leading byte order mark (EF BB BF) kept as U+FEFF (see
 * json-text.ts stripBom). Returns `{ text }`, or `{ error }` when the bytes are UTF-16 (utf16Of)
 * or a byte breaks UTF-8 (the first one, with its byte offset, line and column). Never throws;
 * never puts U+FFFD in place of a bad byte.
 */
export function decodeUtf8(bytes: Uint8Array): { text: string } | { error: TextEncodingError } {
  const wide = utf16Of(bytes);
  if (wide !== undefined) {
    return { error: { kind: 'utf-16', byte: 0, line: 1, column: 1, reason: `UTF-16 (${wide.order}, ${wide.bom ? 'with' : 'without'} a byte order mark), not UTF-8` } };
  }
  try {
    return { text: FATAL.decode(bytes) };
  } catch {
    const bad = firstInvalidUtf8(bytes) ?? { byte: 0, reason: 'not UTF-8' };
    return { error: { kind: 'invalid-utf-8', byte: bad.byte, ...placeOf(bytes, bad.byte), reason: bad.reason } };
  }
}

/**
 * How an encoding error reads after a file's name, ending with `advice` (default `save it as
 * UTF-8`): `line 3, column 7 (byte 45): not valid UTF-8: byte 0xE9 is not followed by …; save it
 * as UTF-8`, or `the file is UTF-16 (little-endian, with a byte order mark), not UTF-8: save it as UTF-8`.
 */
export function describeEncodingError(e: TextEncodingError, advice = 'save it as UTF-8', what = 'the file'): string {
  if (e.kind === 'utf-16') return `${what} is ${e.reason}: ${advice}`;
  return `line ${e.line}, column ${e.column} (byte ${e.byte}): not valid UTF-8: ${e.reason}; ${advice}`;
}
