// The compressed codings of a document (RFC 9110 §8.4.1): gzip, computed before a document is
// published, and brotli, computed afterwards in the background (see render-task.ts). Pure and
// synchronous: render workers call them on their own thread (zlib's async API would still set up
// each stream on the calling thread). The levels were measured with bench/coding-levels.ts
// (README, "Compiling off the serving thread").
import { brotliCompressSync, constants as zc, gzipSync } from 'node:zlib';

/** gzip level 4: the knee of size against time (level 1 is ~10 % larger, level 6 twice as slow). */
export const GZIP_LEVEL = 4;
/** brotli quality 5: off the publish path, so the level that makes br ~7 % smaller than gzip 4. */
export const BROTLI_QUALITY = 5;

/**
 * The gzip body (RFC 1952) of some identity bytes, at GZIP_LEVEL: ~10 ms for a 300 KB feed.
 * Deterministic: the same bytes give the same body (and so the same `h-gz` tag) on every run.
 */
export function gzipBody(bytes: Uint8Array): Buffer {
  return gzipSync(bytes, { level: GZIP_LEVEL });
}

/**
 * The brotli body (RFC 7932) of some identity bytes, at BROTLI_QUALITY in text mode with the
 * window fitted to the size: ~30 ms for a 300 KB feed. Deterministic like gzipBody.
 */
export function brotliBody(bytes: Uint8Array): Buffer {
  const lgwin = Math.min(22, Math.max(16, Math.ceil(Math.log2(bytes.length + 1))));
  return brotliCompressSync(bytes, {
    params: {
      [zc.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [zc.BROTLI_PARAM_MODE]: zc.BROTLI_MODE_TEXT,
      [zc.BROTLI_PARAM_LGWIN]: lgwin,
      [zc.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
}
