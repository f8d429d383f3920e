// The `srcset` attribute by the HTML standard's own grammar (HTML §4.8.4.3.10, "parsing a srcset
// attribute"): a URL may hold commas (`/img/a,b.jpg`, `data:image/png;base64,...`); candidates are
// separated by the commas that follow their descriptors, never by every comma.

/** One image candidate: its URL (as written) and its descriptors (`100w`, `2x`, `50h`) as written. */
export interface SrcsetCandidate {
  url: string;
  descriptors: string[];
}

// ASCII whitespace (Infra §4.6): TAB, LF, FF, CR, SPACE.
function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\f' || c === '\r';
}

const NON_NEGATIVE_INTEGER = /^[0-9]+$/;
// A valid floating-point number (HTML §2.3.4.3).
const FLOAT = /^-?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/** Whether one candidate's descriptors pass the standard's descriptor parser (steps 11–14). */
function validDescriptors(descriptors: readonly string[]): boolean {
  let width = false;
  let density = false;
  let height = false;
  for (const d of descriptors) {
    const kind = d.charAt(d.length - 1);
    const value = d.slice(0, -1);
    if (kind === 'w') {
      if (width || density || !NON_NEGATIVE_INTEGER.test(value) || Number(value) === 0) return false;
      width = true;
    } else if (kind === 'x') {
      if (width || density || height || !FLOAT.test(value) || Number(value) < 0) return false;
      density = true;
    } else if (kind === 'h') {
      if (height || density || !NON_NEGATIVE_INTEGER.test(value) || Number(value) === 0) return false;
      height = true;
    } else {
      return false;
    }
  }
  return !height || width;
}

/**
 * Parses a srcset value into its image candidates (HTML §4.8.4.3.10). Candidates whose
 * descriptors the standard rejects are dropped, as browsers drop them. Never throws.
 */
export function parseSrcset(input: string): SrcsetCandidate[] {
  const candidates: SrcsetCandidate[] = [];
  const n = input.length;
  let pos = 0;
  for (;;) {
    // Splitting loop: skip white space and commas.
    while (pos < n && (isSpace(input[pos] as string) || input[pos] === ',')) pos += 1;
    if (pos >= n) return candidates;
    const start = pos;
    while (pos < n && !isSpace(input[pos] as string)) pos += 1;
    let url = input.slice(start, pos);
    const descriptors: string[] = [];
    if (url.endsWith(',')) {
      // A URL ending in commas has no descriptors; the commas end the candidate.
      url = url.replace(/,+$/, '');
    } else {
      // Descriptor tokenizer.
      while (pos < n && isSpace(input[pos] as string)) pos += 1;
      let current = '';
      let state: 'in' | 'parens' | 'after' = 'in';
      for (;;) {
        const c = pos < n ? (input[pos] as string) : undefined;
        if (state === 'in') {
          if (c === undefined) {
            if (current !== '') descriptors.push(current);
            break;
          }
          if (isSpace(c)) {
            if (current !== '') descriptors.push(current);
            current = '';
            state = 'after';
          } else if (c === ',') {
            pos += 1;
            if (current !== '') descriptors.push(current);
            break;
          } else {
            current += c;
            if (c === '(') state = 'parens';
          }
        } else if (state === 'parens') {
          if (c === undefined) {
            descriptors.push(current);
            break;
          }
          current += c;
          if (c === ')') state = 'in';
        } else {
          if (c === undefined) break;
          if (!isSpace(c)) {
            state = 'in';
            continue; // reconsume in the descriptor state
          }
        }
        pos += 1;
      }
    }
    if (url !== '' && validDescriptors(descriptors)) candidates.push({ url, descriptors });
  }
}

/** Writes candidates back as a srcset value: `url descriptors, url descriptors`. */
export function serializeSrcset(candidates: readonly SrcsetCandidate[]): string {
  return candidates.map((c) => (c.descriptors.length === 0 ? c.url : `${c.url} ${c.descriptors.join(' ')}`)).join(', ');
}
