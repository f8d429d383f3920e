// Types of build-state.mjs (plain JavaScript, run before anything is compiled), for the tests.

/** What the tree says: see readBuildState. */
export interface BuildState {
  /** dist/src/cli.js exists. */
  built: boolean;
  /** When the last build finished, ms since the epoch; undefined when unknown. */
  buildTimeMs: number | undefined;
  /** The newest modification time of src/**\/*.ts and tsconfig.json, ms since the epoch. */
  sourceTimeMs: number;
  /** The TypeScript compiler's entry point, or undefined when TypeScript is not installed. */
  compiler: string | undefined;
}

/** What `npm start` does. */
export type StartDecision =
  | { action: 'run' }
  | { action: 'build'; reason: string }
  | { action: 'run-stale'; reason: string }
  | { action: 'fail'; reason: string };

export function decideStart(state: BuildState): StartDecision;
export function findCompiler(root: string): string | undefined;
export function readBuildState(root: string): BuildState;
