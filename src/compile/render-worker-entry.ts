// A render worker's entry module: lowers this thread's CPU priority, then loads the worker
// (render-worker.ts). The order matters: loading the worker's modules (the store drivers, the
// sanitiser, the renderers) is ~0.5 s of CPU per thread, and a worker started at the serving
// thread's priority took that from readers at the moment a restarted server began answering.
// The worker is imported dynamically, so nothing of it loads before the priority is lowered.
import { lowerThisThread } from './render-priority.js';

lowerThisThread();
await import('./render-worker.js');
