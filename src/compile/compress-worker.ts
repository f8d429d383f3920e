// A compression worker: gzip and brotli for one document at a time, off the main thread (zlib's
// async API still sets up each stream on the calling thread, ~1 ms per call for a 200 KB feed).
import { parentPort } from 'node:worker_threads';
import { brotliCompressSync, constants as zc, gzipSync } from 'node:zlib';

/** A request: the identity bytes of one document. */
export interface CompressRequest {
  id: number;
  bytes: Uint8Array;
}

/** Compresses with the levels every document uses: gzip 4, brotli 4 (window fitted to the size). */
export function compressBoth(bytes: Uint8Array): { gzip: Buffer; br: Buffer } {
  const lgwin = Math.min(22, Math.max(16, Math.ceil(Math.log2(bytes.length + 1))));
  return {
    gzip: gzipSync(bytes, { level: 4 }),
    br: brotliCompressSync(bytes, {
      params: {
        [zc.BROTLI_PARAM_QUALITY]: 4,
        [zc.BROTLI_PARAM_MODE]: zc.BROTLI_MODE_TEXT,
        [zc.BROTLI_PARAM_LGWIN]: lgwin,
        [zc.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }),
  };
}

parentPort?.on('message', (req: CompressRequest) => {
  try {
    const { gzip, br } = compressBoth(req.bytes);
    parentPort?.postMessage({ id: req.id, gzip, br });
  } catch (err) {
    parentPort?.postMessage({ id: req.id, error: (err as Error).message });
  }
});
