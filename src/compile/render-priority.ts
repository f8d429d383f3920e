// The render workers' CPU priority. Its own small module: the worker entry loads it before
// anything else, and tests read the figure without starting a worker.
import { setPriority } from 'node:os';

/** How much lower than the serving thread a render runs: nice +10 (Linux: per thread). */
export const RENDER_NICENESS = 10;

/**
 * Lowers the calling thread's CPU priority by RENDER_NICENESS (setpriority(2) with who = 0: on
 * Linux the calling thread only; threads it starts afterwards inherit it). Returns false when
 * the system does not permit it (the render then runs at the same priority). Never throws.
 */
export function lowerThisThread(): boolean {
  try {
    setPriority(RENDER_NICENESS);
    return true;
  } catch {
    return false;
  }
}
