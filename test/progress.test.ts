// Command-line progress on stderr (src/progress.ts): rewritten in place on a terminal, a line per
// tenth on a pipe, nothing on a pipe for short work.
import { expect } from 'chai';
import { progressReporter } from '../src/progress.js';

function stream(isTTY: boolean): { isTTY: boolean; text: string; write(t: string): void } {
  return { isTTY, text: '', write(t) { this.text += t; } };
}

describe('progress on stderr', () => {
  it('on a pipe: nothing for fewer than 100 units', () => {
    const s = stream(false);
    const p = progressReporter(s);
    for (let i = 1; i <= 99; i += 1) p.report('reading', i, 99);
    p.end();
    expect(s.text).to.equal('');
  });

  it('on a pipe: one line at each tenth, the last at the total', () => {
    const s = stream(false);
    const p = progressReporter(s);
    for (let i = 1; i <= 2000; i += 1) p.report('reading', i, 2000);
    p.end();
    const lines = s.text.split('\n').filter(Boolean);
    expect(lines).to.have.length(11);
    expect(lines[0]).to.equal('reading 1/2000');
    expect(lines.at(-1)).to.equal('reading 2000/2000');
    expect(lines[5]).to.equal('reading 1000/2000');
  });

  it('on a terminal: one line rewritten in place, ended by a newline', () => {
    const s = stream(true);
    const p = progressReporter(s);
    p.report('rendering', 1, 3);
    p.report('rendering', 3, 3);
    p.end();
    expect(s.text).to.equal('\rrendering 1/3\u001b[K\rrendering 3/3\u001b[K\n');
    expect(s.text.split('\n')).to.have.length(2);
  });

  it('two kinds of work in turn each get their own tenths', () => {
    const s = stream(false);
    const p = progressReporter(s);
    for (let i = 1; i <= 1000; i += 1) p.report('a', i, 1000);
    for (let i = 1; i <= 1000; i += 1) p.report('b', i, 1000);
    expect(s.text.split('\n').filter((l) => l.startsWith('b ')).length).to.equal(11);
  });
});
