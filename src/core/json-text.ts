// JSON text with the place of its first error: JSON.parse in Node 20 names no position for most
// errors ("Unexpected token '}', "…" is not valid JSON"), so a failed parse is scanned again
// here to find the 1-based line and column a person can go to. Pure: no I/O.

/** Where a JSON text first breaks the grammar (RFC 8259), and what is wrong there. */
export interface JsonSyntaxError {
  /** 1-based line (lines end at \n, \r\n or \r). */
  line: number;
  /** 1-based column, in UTF-16 code units from the start of the line. */
  column: number;
  /** What was found, e.g. `unexpected "}"`, `unterminated string`, `unexpected end of input`. */
  reason: string;
}

/** The 1-based line and column of a 0-based UTF-16 `offset` in `text`. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line += 1;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

class Stop {
  constructor(readonly offset: number, readonly reason: string) {}
}

/** Scans `text` as JSON; returns the first error's offset and reason, or undefined when it is valid. */
function firstError(text: string): Stop | undefined {
  let i = 0;
  const describe = (at: number): string => (at >= text.length ? 'unexpected end of input' : `unexpected ${JSON.stringify(text[at])}`);
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i += 1;
  };
  const expect = (what: string) => {
    if (text[i] !== what) throw new Stop(i, `${describe(i)}, expected "${what}"`);
    i += 1;
  };
  const string = () => {
    const start = i;
    i += 1;
    for (;;) {
      if (i >= text.length) throw new Stop(start, 'unterminated string');
      const c = text.charCodeAt(i);
      if (c === 34) break;
      if (c < 32) throw new Stop(i, c === 10 || c === 13 ? 'unterminated string (a line break inside it)' : 'a control character inside a string');
      if (c === 92) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) throw new Stop(i, 'a bad \\u escape');
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) throw new Stop(i, 'a bad escape');
        i += 2;
        continue;
      }
      i += 1;
    }
    i += 1;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i += 1;
      ws();
      if (text[i] === '}') {
        i += 1;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') throw new Stop(i, `${describe(i)}, expected a property name in double quotes`);
        string();
        ws();
        expect(':');
        value();
        ws();
        if (text[i] === ',') {
          i += 1;
          continue;
        }
        if (text[i] === '}') {
          i += 1;
          return;
        }
        throw new Stop(i, `${describe(i)}, expected "," or "}"`);
      }
    }
    if (c === '[') {
      i += 1;
      ws();
      if (text[i] === ']') {
        i += 1;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i += 1;
          continue;
        }
        if (text[i] === ']') {
          i += 1;
          return;
        }
        throw new Stop(i, `${describe(i)}, expected "," or "]"`);
      }
    }
    if (c === '"') return string();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (literal === null) throw new Stop(i, `${describe(i)}, expected a value`);
    i += literal[0].length;
  };
  try {
    value();
    ws();
    if (i < text.length) throw new Stop(i, `${describe(i)} after the end of the value`);
    return undefined;
  } catch (err) {
    if (err instanceof Stop) return err;
    throw err;
  }
}

/**
 * Scans `text` against the JSON grammar without building a value: the first error's place and
 * reason, or undefined when the text is valid JSON. Throws RangeError on nesting deeper than the
 * call stack allows (parseJsonText falls back then).
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const stop = firstError(text);
  return stop === undefined ? undefined : { ...lineColumnAt(text, stop.offset), reason: stop.reason };
}

/** U+FEFF, the byte order mark EF BB BF that Windows editors write at the start of a UTF-8 file. */
const BOM = '\uFEFF';

/**
 * `text` without one leading byte order mark (U+FEFF): a JSON text has none (RFC 8259 §8.1), but
 * a parser may ignore it, and files saved by Windows editors begin with one. Every config or
 * article text is read through this before it is parsed.
 */
export function stripBom(text: string): string {
  return text.startsWith(BOM) ? text.slice(1) : text;
}

/**
 * Parses JSON text: `{ value }`, or `{ error }` with the 1-based line and column of the first
 * place the text breaks the grammar. One leading byte order mark is ignored (RFC 8259 §8.1; see
 * stripBom) and takes no column, so the place is where an editor shows it. Never throws.
 */
export function parseJsonText(source: string): { value: unknown } | { error: JsonSyntaxError } {
  const text = stripBom(source);
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (err) {
    let stop: Stop | undefined;
    try {
      stop = firstError(text);
    } catch {
      // Nesting too deep for this scanner's recursion: say what JSON.parse said, at the start.
    }
    stop ??= new Stop(0, (err as Error).message);
    return { error: { ...lineColumnAt(text, stop.offset), reason: stop.reason } };
  }
}

/** `line 3, column 7: not valid JSON: unexpected "}", expected a value` — how a JSON error reads after its file name. */
export function describeJsonError(e: JsonSyntaxError): string {
  return `line ${e.line}, column ${e.column}: not valid JSON: ${e.reason}`;
}
