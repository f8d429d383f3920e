// Long loops on the serving thread give way to requests: a compile step that builds thousands of
// documents (a full re-render's publish) runs in slices of a few milliseconds, and between
// slices the event loop answers the readers waiting (issue 10: serving stays flat whatever the
// compile does).

/** Milliseconds a slice may run before the loop gives way: 8 ms, well under a reader's patience. */
export const SLICE_MS = 8;

/** Tells a loop when its slice is spent, and gives way to the event loop then. */
export interface TimeSlicer {
  /**
   * Resolves at once while the slice lasts (no await needed then: call `due()` first); once
   * `sliceMs` have passed since the slice began, waits one turn of the event loop (setImmediate,
   * after pending I/O callbacks: the requests that arrived meanwhile are answered) and starts a
   * new slice.
   */
  pause(): Promise<void>;
  /** True when the slice is spent: the caller should `await pause()`. */
  due(): boolean;
}

/** A slicer whose slices last `sliceMs` (default SLICE_MS), timed with performance.now(). */
export function createTimeSlicer(sliceMs: number = SLICE_MS): TimeSlicer {
  let began = performance.now();
  return {
    due: () => performance.now() - began >= sliceMs,
    async pause() {
      if (performance.now() - began < sliceMs) return;
      await new Promise<void>((resolve) => setImmediate(resolve));
      began = performance.now();
    },
  };
}
