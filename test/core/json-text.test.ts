// JSON errors with their place (src/core/json-text.ts): the scanner agrees with JSON.parse on
// what is valid, and places errors at 1-based lines and columns a person can go to.
import { expect } from 'chai';
import fc from 'fast-check';
import { describeJsonError, findJsonSyntaxError, lineColumnAt, parseJsonText } from '../../src/core/json-text.js';

/** Whether V8's parser accepts the text: the reference the scanner is checked against. */
function v8Accepts(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('json-text', () => {
  it('lineColumnAt counts lines after \\n, \\r\\n and \\r, columns from 1', () => {
    const text = 'ab\ncd\r\nef\rgh';
    expect(lineColumnAt(text, 0)).to.deep.equal({ line: 1, column: 1 });
    expect(lineColumnAt(text, 2)).to.deep.equal({ line: 1, column: 3 });
    expect(lineColumnAt(text, 3)).to.deep.equal({ line: 2, column: 1 });
    expect(lineColumnAt(text, 6), 'the \\n of \\r\\n ends line 2').to.deep.equal({ line: 2, column: 4 });
    expect(lineColumnAt(text, 7)).to.deep.equal({ line: 3, column: 1 });
    expect(lineColumnAt(text, 10)).to.deep.equal({ line: 4, column: 1 });
    expect(lineColumnAt(text, 11)).to.deep.equal({ line: 4, column: 2 });
  });

  it('finds no error in any JSON value JSON.stringify writes, with or without indentation', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 2, '\t'), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        expect(findJsonSyntaxError(text), text).to.equal(undefined);
        expect(parseJsonText(text)).to.deep.equal({ value: JSON.parse(text) });
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with JSON.parse on whether a text is valid, for texts made of JSON\'s own pieces', () => {
    const piece = fc.constantFrom('{', '}', '[', ']', ',', ':', '"a"', '"', '\\', '1', '-', '0', '.5', 'e3', 'true', 'nul', 'null', ' ', '\n', '\t', 'x', '\\u00e9', '\\q', '\u0001');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), (pieces) => {
        const text = pieces.join('');
        expect(findJsonSyntaxError(text) === undefined, JSON.stringify(text)).to.equal(v8Accepts(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('places an error after a valid value exactly where the extra text starts', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom('x', '}', ']', '1', '"s"'), (value, extra) => {
        const valid = JSON.stringify(value, null, 2);
        const text = `${valid}\n  ${extra}`;
        const lines = valid.split('\n').length;
        const error = findJsonSyntaxError(text);
        expect(error, text).to.include({ line: lines + 1, column: 3 });
      }),
      { numRuns: 200 },
    );
  });

  it('describes the common mistakes at the place they are made', () => {
    const cases: [string, string][] = [
      ['{\n  "a": 1,\n}', 'line 3, column 1: not valid JSON: unexpected "}", expected a property name in double quotes'],
      ['{\n  "a": 1\n  "b": 2\n}', 'line 3, column 3: not valid JSON: unexpected "\\"", expected "," or "}"'],
      ["{'a': 1}", 'line 1, column 2: not valid JSON: unexpected "\'", expected a property name in double quotes'],
      ['[1, 2', 'line 1, column 6: not valid JSON: unexpected end of input, expected "," or "]"'],
      ['', 'line 1, column 1: not valid JSON: unexpected end of input, expected a value'],
      ['{"a": "x\\q"}', 'line 1, column 9: not valid JSON: a bad escape'],
    ];
    for (const [text, message] of cases) {
      const parsed = parseJsonText(text);
      expect('error' in parsed, text).to.equal(true);
      if ('error' in parsed) expect(describeJsonError(parsed.error), text).to.equal(message);
    }
  });

  it('reads a text that starts with a UTF-8 byte order mark (what a Windows editor saves) as the text after it', () => {
    const BOM = '\uFEFF';
    expect(parseJsonText(`${BOM}{"a": [1, "\uFEFF"]}`)).to.deep.equal({ value: { a: [1, '\uFEFF'] } });
    // The error's place is where an editor shows it: the mark takes no column.
    const cases: [string, string][] = [
      [`${BOM}{"a": 1,}`, 'line 1, column 9: not valid JSON: unexpected "}", expected a property name in double quotes'],
      [`${BOM}{\r\n  "a": 1\r\n  "b": 2\r\n}`, 'line 3, column 3: not valid JSON: unexpected "\\"", expected "," or "}"'],
      [BOM, 'line 1, column 1: not valid JSON: unexpected end of input, expected a value'],
    ];
    for (const [text, message] of cases) {
      const parsed = parseJsonText(text);
      expect('error' in parsed, JSON.stringify(text)).to.equal(true);
      if ('error' in parsed) expect(describeJsonError(parsed.error), JSON.stringify(text)).to.equal(message);
    }
    // Only one mark, and only at the start: a second one is text, and an error.
    const twice = parseJsonText(`${BOM}${BOM}{}`);
    expect('error' in twice && twice.error).to.include({ line: 1, column: 1 });
  });
});
