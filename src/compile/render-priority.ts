// The render workers' CPU priority. Its own small module: the worker entry loads it before
// anything else, and tests read the figure without starting a worker.
import { getPriority, setPriority } from 'node:os';

/** How much lower than the serving thread a render runs: nice +10 (Linux: per thread). */
export const RENDER_NICENESS = 10;

/**
 * Lowers the calling thread's CPU priority by RENDER_NICENESS from where it is (a server
 * started at nice 5 renders at 15; 19 is the floor): getpriority/setpriority(2) with who = 0,
 * which on Linux read and change the calling thread only; threads it starts afterwards inherit
 * it. Returns false when the system does not permit it (the render then runs at the same
 * priority). Never throws.
 */
export function lowerThisThread(): boolean {
  try {
    setPriority(Math.min(19, getPriority() + RENDER_NICENESS));
    return true;
  } catch {
    return false;
  }
}
