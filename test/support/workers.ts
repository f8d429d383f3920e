// Watching worker threads from a test: every message this thread posts to a Worker (the
// node:worker_threads class the compression pool uses) is recorded with the worker and its thread
// id, so a test can prove that work went to another thread instead of running inline. Only
// built tests start workers (see paths.ts): under tsx the pool falls back to this thread.
import { Worker } from 'node:worker_threads';

/** One message posted to a worker. */
export interface WorkerPost {
  worker: Worker;
  /** The worker's thread id when the message was posted (never this thread's). */
  threadId: number;
  message: unknown;
}

/** What `watchWorkers` recorded. */
export interface WorkerWatch {
  /** Every message posted to a worker since the watch began, in order. */
  readonly posts: readonly WorkerPost[];
  /** The distinct thread ids that were sent messages. */
  threadIds(): number[];
  /** Stops recording (the workers themselves are untouched). */
  restore(): void;
}

/** Records every `Worker#postMessage` until `restore()`. One watch at a time. */
export function watchWorkers(): WorkerWatch {
  const original = Worker.prototype.postMessage;
  const posts: WorkerPost[] = [];
  Worker.prototype.postMessage = function (this: Worker, ...args: Parameters<Worker['postMessage']>): void {
    posts.push({ worker: this, threadId: this.threadId, message: args[0] });
    original.apply(this, args);
  };
  return {
    posts,
    threadIds: () => [...new Set(posts.map((p) => p.threadId))],
    restore: () => {
      Worker.prototype.postMessage = original;
    },
  };
}

/** True when `message` (or one of its own properties) carries exactly these bytes. */
export function carriesBytes(message: unknown, bytes: Uint8Array): boolean {
  const same = (v: unknown) => v instanceof Uint8Array && Buffer.from(v.buffer, v.byteOffset, v.byteLength).equals(bytes);
  if (same(message)) return true;
  return typeof message === 'object' && message !== null && Object.values(message).some(same);
}
