// UTF-8 checked, never repaired (core/text-encoding.ts): the first bad byte with its offset, line
// and column; UTF-16 named; valid text (every sequence length, a BOM kept) decoded as is.
import { expect } from 'chai';
import { decodeUtf8, describeEncodingError, firstInvalidUtf8, utf16Of } from '../../src/core/text-encoding.js';

const bytes = (...parts: (string | number[])[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('text encoding: UTF-8 only', () => {
  it('decodes valid UTF-8 of every sequence length, keeping a leading BOM as U+FEFF', () => {
    expect(decodeUtf8(bytes('a é € 😀'))).to.deep.equal({ text: 'a é € 😀' });
    expect(decodeUtf8(bytes([0xef, 0xbb, 0xbf], '{}'))).to.deep.equal({ text: '\uFEFF{}' });
    expect(decodeUtf8(bytes(''))).to.deep.equal({ text: '' });
  });

  it('names the first bad byte: its offset, line and column (CRLF, CR and LF end lines; a BOM takes no column)', () => {
    const cases: [Buffer, number, number, number, RegExp][] = [
      [bytes('ab', [0xff], 'c'), 2, 1, 3, /0xFF never appears/],
      [bytes('x\r\ny\rzz\n\t', [0xc3]), 9, 4, 2, /0xC3 starts a 2-byte sequence that the end cuts short/],
      [bytes([0xef, 0xbb, 0xbf], 'é', [0x80]), 5, 1, 2, /0x80 is a continuation byte/],
      [bytes('€', [0xed, 0xa0, 0x80]), 3, 1, 2, /0xED starts an overlong form, a surrogate/],
      [bytes([0xf4, 0x90, 0x80, 0x80]), 0, 1, 1, /above U\+10FFFF/],
      [bytes([0xe0, 0x80, 0x80]), 0, 1, 1, /overlong/],
      [bytes('😀', [0xf0, 0x9f, 0x98]), 4, 1, 3, /4-byte sequence that the end cuts short/],
      [bytes('caf', [0xe9], ' au'), 3, 1, 4, /0xE9 is not followed by the 2 continuation bytes it needs/],
    ];
    for (const [input, byte, line, column, reason] of cases) {
      const r = decodeUtf8(input);
      expect('error' in r, input.toString('hex')).to.equal(true);
      if (!('error' in r)) continue;
      expect(r.error, input.toString('hex')).to.include({ kind: 'invalid-utf-8', byte, line, column });
      expect(r.error.reason).to.match(reason);
      expect(describeEncodingError(r.error)).to.match(new RegExp(`^line ${line}, column ${column} \\(byte ${byte}\\): not valid UTF-8: .*; save it as UTF-8$`));
    }
  });

  it('a sequence cut at the end of a chunk is not an error when more may follow', () => {
    expect(firstInvalidUtf8(bytes('a', [0xe2, 0x82]), true)).to.equal(undefined);
    expect(firstInvalidUtf8(bytes('a', [0xe2, 0x82]))).to.deep.include({ byte: 1 });
  });

  it('names UTF-16, with or without a byte order mark, and does not take UTF-8 text for it', () => {
    expect(utf16Of(bytes([0xff, 0xfe], 'x'))).to.deep.equal({ order: 'little-endian', bom: true });
    expect(utf16Of(bytes([0xfe, 0xff]))).to.deep.equal({ order: 'big-endian', bom: true });
    expect(utf16Of(Buffer.from('{"a": 1}', 'utf16le'))).to.deep.equal({ order: 'little-endian', bom: false });
    expect(utf16Of(Buffer.from('{"a": 1}', 'utf16le').swap16())).to.deep.equal({ order: 'big-endian', bom: false });
    expect(utf16Of(bytes('{"a": "é 😀 ü"}'))).to.equal(undefined);
    const r = decodeUtf8(Buffer.from('{}', 'utf16le'));
    expect('error' in r && describeEncodingError(r.error)).to.equal('the file is UTF-16 (little-endian, without a byte order mark), not UTF-8: save it as UTF-8');
  });
});
