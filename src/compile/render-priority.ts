// The render workers' CPU priority. Its own small module: the worker entry loads it before
// anything else, and tests read the figure without starting a worker.
import { getPriority, setPriority } from 'node:os';

/** How much lower than the serving thread a render runs, and its least nice value: 10 (Linux: per thread). */
export const RENDER_NICENESS = 10;

/**
 * The nice value a render worker takes when the thread that starts it runs at `base`: at least
 * RENDER_NICENESS lower than that thread (a server started at nice 5 renders at 15), and never
 * above nice 10 (a server started at nice −15 renders at 10, not −5): a render must not outrank
 * the kernel's own threads at nice 0 — the network's softirq work and the disk's writeback that
 * answering readers depends on. 19 is the floor.
 */
export function renderNiceness(base: number): number {
  return Math.min(19, Math.max(RENDER_NICENESS, base + RENDER_NICENESS));
}

/**
 * Lowers the calling thread's CPU priority to renderNiceness(its own): getpriority and
 * setpriority(2) with who = 0, which on Linux read and change the calling thread only; threads
 * it starts afterwards inherit it. Returns false when the system does not permit it (the render
 * then runs at the same priority). Never throws.
 */
export function lowerThisThread(): boolean {
  try {
    setPriority(renderNiceness(getPriority()));
    return true;
  } catch {
    return false;
  }
}
