// The body file names the published set names, counted: a publish that replaces a few documents
// updates the counts of their names instead of listing every name of the whole set again (a
// write's compile at 3,000 articles spent ~20 ms of the serving thread on that; issue 10).

import type { CompiledDocument } from '../publish/published-set.js';

/** Body file names (variant tags) with how many documents of the set name each. */
export interface LiveNames {
  /** True when some document of the set names this file. */
  has(name: string): boolean;
  /** Names in the set. */
  readonly size: number;
  /** Every name (for a full sweep of the body folder). */
  names(): IterableIterator<string>;
  /**
   * Applies one publish: the names of `added` documents count once more, then those of
   * `removed` documents once less (a name in both stays). O(documents given).
   */
  apply(added: Iterable<CompiledDocument>, removed: Iterable<CompiledDocument>): void;
}

/** The names of a set of documents (path → one per origin), counted. */
export function countLiveNames(documents: ReadonlyMap<string, readonly CompiledDocument[]> = new Map()): LiveNames {
  const counts = new Map<string, number>();
  const add = (d: CompiledDocument) => {
    for (const name of d.etags) counts.set(name, (counts.get(name) ?? 0) + 1);
  };
  for (const docs of documents.values()) for (const d of docs) if (d !== undefined) add(d);
  return {
    has: (name) => counts.has(name),
    get size() {
      return counts.size;
    },
    names: () => counts.keys(),
    apply(added, removed) {
      for (const d of added) add(d);
      for (const d of removed) {
        for (const name of d.etags) {
          const n = counts.get(name);
          if (n === undefined) continue;
          if (n <= 1) counts.delete(name);
          else counts.set(name, n - 1);
        }
      }
    },
  };
}
