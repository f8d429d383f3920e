// Counts in words: `1 article`, `3 articles`, `0 feeds`. Every count phrase the command line
// prints goes through `count`, so none says "1 articles" or hedges with "file(s)". Pure.

/**
 * `n` and the noun in the form that agrees with it: the singular for exactly 1, else the plural
 * (`plural`, default the singular + `s`): count(1, 'feed') → `1 feed`, count(0, 'feed') → `0 feeds`,
 * count(2, 'entry', 'entries') → `2 entries`.
 */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
