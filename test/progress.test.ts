// Command-line progress on stderr (src/progress.ts): a cli-progress bar on a terminal for work that
// lasts past the delay, a line per tenth on a pipe, nothing on a pipe for short work.
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

  it('on a terminal: nothing for work that ends within the delay', () => {
    const s = stream(true);
    let now = 0;
    const p = progressReporter(s, { clock: () => now, delayMs: 2000 });
    for (let i = 1; i <= 500; i += 1) {
      now += 3;
      p.report('rendering', i, 500);
    }
    p.end();
    expect(s.text).to.equal('');
  });

  it('on a terminal: a bar (label, count, percentage) once the work lasts past the delay, ended by a newline', () => {
    const s = stream(true);
    let now = 0;
    const p = progressReporter(s, { clock: () => now, delayMs: 2000 });
    p.report('rendering', 1, 40);
    now = 1999;
    p.report('rendering', 2, 40);
    expect(s.text, 'still within the delay').to.equal('');
    now = 2000;
    p.report('rendering', 3, 40);
    expect(s.text).to.include('rendering [');
    expect(s.text, 'cli-progress rounds the percentage down').to.include('3/40 7%');
    p.report('rendering', 40, 40);
    p.end();
    expect(s.text).to.include('40/40 100%');
    expect(s.text.endsWith('\n'), JSON.stringify(s.text)).to.equal(true);
    // A new kind of work starts its own delay: nothing more until it too lasts past it.
    const before = s.text;
    p.report('making brotli bodies', 1, 10);
    p.end();
    expect(s.text).to.equal(before);
  });

  it('two kinds of work in turn each get their own tenths', () => {
    const s = stream(false);
    const p = progressReporter(s);
    for (let i = 1; i <= 1000; i += 1) p.report('a', i, 1000);
    for (let i = 1; i <= 1000; i += 1) p.report('b', i, 1000);
    expect(s.text.split('\n').filter((l) => l.startsWith('b ')).length).to.equal(11);
  });
});
