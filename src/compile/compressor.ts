// A small pool of compression workers (one per core), so that compiles use every core and the
// serving thread only renders and writes bytes.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { compressBoth } from './compress-worker.js';

/** Compresses documents in gzip and brotli. */
export interface Compressor {
  compress(bytes: Buffer): Promise<{ gzip: Buffer; br: Buffer }>;
  close(): Promise<void>;
}

interface Pending {
  resolve: (v: { gzip: Buffer; br: Buffer }) => void;
  reject: (e: Error) => void;
}

/**
 * Starts `size` workers; with 0, or when workers cannot run, compresses on this thread. Running
 * from TypeScript sources (tests under tsx) there are no workers: tsx's loader does not reach
 * worker threads on Node 20, so the built code is what uses them.
 */
export function createCompressor(size = availableParallelism()): Compressor {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL('./compress-worker.js', import.meta.url);
  if (fromSource) size = 0;
  const workers: { worker: Worker; busy: number }[] = [];
  const pending = new Map<number, Pending & { worker: Worker }>();
  let next = 0;
  for (let i = 0; i < size; i += 1) {
    try {
      const worker = new Worker(url);
      worker.unref();
      worker.on('message', (m: { id: number; gzip?: Uint8Array; br?: Uint8Array; error?: string }) => {
        const p = pending.get(m.id);
        pending.delete(m.id);
        const slot = workers.find((w) => w.worker === worker);
        if (slot) slot.busy -= 1;
        if (!p) return;
        if (m.error !== undefined || !m.gzip || !m.br) p.reject(new Error(`compression failed: ${m.error ?? 'no output'}`));
        else p.resolve({ gzip: Buffer.from(m.gzip.buffer, m.gzip.byteOffset, m.gzip.byteLength), br: Buffer.from(m.br.buffer, m.br.byteOffset, m.br.byteLength) });
      });
      const fail = (why: string) => {
        const at = workers.findIndex((w) => w.worker === worker);
        if (at !== -1) workers.splice(at, 1);
        // Its requests are not lost: they fail, and the compile that made them keeps the last
        // good documents; later requests go to the other workers or this thread.
        for (const [id, p] of pending) {
          if (p.worker !== worker) continue;
          pending.delete(id);
          p.reject(new Error(`a compression worker stopped: ${why}`));
        }
      };
      worker.on('error', (err) => fail(err.message));
      worker.on('exit', (code) => fail(`exit code ${code}`));
      workers.push({ worker, busy: 0 });
    } catch {
      break;
    }
  }
  return {
    compress(bytes) {
      const slot = workers.reduce<{ worker: Worker; busy: number } | undefined>((best, w) => (best === undefined || w.busy < best.busy ? w : best), undefined);
      if (slot === undefined) return Promise.resolve(compressBoth(bytes));
      const id = (next += 1);
      slot.busy += 1;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, worker: slot.worker });
        slot.worker.postMessage({ id, bytes });
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.worker.terminate()));
      workers.length = 0;
      for (const p of pending.values()) p.reject(new Error('the compressor was closed'));
      pending.clear();
    },
  };
}
