// "Did you mean …?": the known word closest to a misspelt one, by edit distance. Pure.

/**
 * The optimal-string-alignment distance between `a` and `b` (Damerau–Levenshtein without
 * repeated edits of one substring): insertions, deletions, substitutions and transpositions of
 * two adjacent characters each cost 1. Compares UTF-16 code units as given (fold case first if
 * case should not count).
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i += 1) rows.push([i, ...new Array<number>(b.length).fill(0)]);
  const at = (i: number, j: number): number => (rows[i] as number[])[j] as number;
  for (let j = 0; j <= b.length; j += 1) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, at(i - 2, j - 2) + 1);
      (rows[i] as number[])[j] = d;
    }
  }
  return at(a.length, b.length);
}

/**
 * The candidate closest to `word`, ignoring case, or undefined when none is close enough to be
 * a likely misspelling: at most one edit for words up to 4 characters, two up to 8, three beyond
 * (`titel` → `title`, `timezone` → `timeZone`, `compiel` → `compile`; `xyz` → nothing). Ties go
 * to the earlier candidate. A candidate equal to `word` is returned as is.
 */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  const folded = word.toLowerCase();
  const limit = folded.length <= 4 ? 1 : folded.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(folded, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= limit ? best : undefined;
}
