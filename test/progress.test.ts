// Command-line progress on stderr (src/progress.ts): a cli-progress bar on a terminal for each step
// once the command has run past the delay (its whole run, not the step's), a line at each real
// tenth of a step's work on a pipe (whatever the size of the caller's batches), nothing on a pipe
// for short work.
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

  /** The counts of a pipe's lines for `label`. */
  const counts = (text: string, label: string) => text.split('\n').filter((l) => l.startsWith(`${label} `)).map((l) => l.slice(label.length + 1));

  it('on a pipe: one line at each tenth, the last at the total, none at the start', () => {
    const s = stream(false);
    const p = progressReporter(s);
    for (let i = 1; i <= 2000; i += 1) p.report('reading', i, 2000);
    p.end();
    expect(counts(s.text, 'reading')).to.deep.equal(['200/2000', '400/2000', '600/2000', '800/2000', '1000/2000', '1200/2000', '1400/2000', '1600/2000', '1800/2000', '2000/2000']);
  });

  it('on a pipe: reports in batches of 200 of 3,000 still give a line at each real tenth (300, 600, …; field review saw 200, 400, 600, 1000, …)', () => {
    const s = stream(false);
    const p = progressReporter(s);
    for (let done = 200; done <= 3000; done += 200) p.report('reading article files', done, 3000);
    p.end();
    expect(counts(s.text, 'reading article files')).to.deep.equal(['300/3000', '600/3000', '900/3000', '1200/3000', '1500/3000', '1800/3000', '2100/3000', '2400/3000', '2700/3000', '3000/3000']);
  });

  it('on a pipe: a tenth of a total not divisible by ten is the first count that reaches it; a jump over several tenths prints each', () => {
    const s = stream(false);
    const p = progressReporter(s);
    p.report('rendering feeds', 10, 2981);
    p.report('rendering feeds', 1000, 2981); // past 10%, 20% and 30%
    p.report('rendering feeds', 1000, 2981);
    p.report('rendering feeds', 2981, 2981);
    p.end();
    expect(counts(s.text, 'rendering feeds')).to.deep.equal(['299/2981', '597/2981', '895/2981', '1193/2981', '1491/2981', '1789/2981', '2087/2981', '2385/2981', '2683/2981', '2981/2981']);
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

  it('on a terminal: a bar (label, count, percentage) once the command has run past the delay, ended by a newline', () => {
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
    // A step that begins after the delay gets its bar at once: the command has run long enough.
    const before = s.text;
    p.report('making brotli bodies', 1, 10);
    p.end();
    expect(s.text.slice(before.length)).to.include('making brotli bodies [');
  });

  it("on a terminal: a 5-second compile of 3,000 articles (reading 1.8 s, rendering 1.6 s) shows a bar though no step lasts 2 s (field review)", () => {
    const s = stream(true);
    let now = 0;
    const p = progressReporter(s, { clock: () => now }); // the command starts: the default delay, 2 s
    now = 100; // loading settings, opening the store
    for (let done = 200; done <= 3000; done += 200) {
      now += 120; // 15 batches: 1.8 s
      p.report('reading article files', done, 3000);
    }
    expect(s.text, 'the first 2 s: nothing').to.equal('');
    for (let done = 1; done <= 993; done += 1) {
      now += 1600 / 993;
      p.report('rendering feeds', done, 993);
    }
    p.end();
    expect(s.text).to.include('rendering feeds [');
    expect(s.text).to.include('993/993 100%');
    expect(s.text, 'reading ended before the delay').to.not.include('reading article files');
    const before = s.text;
    now += 100;
    p.report('making brotli bodies', 10, 2981);
    now += 1400;
    p.report('making brotli bodies', 2981, 2981);
    p.end();
    expect(s.text.slice(before.length)).to.include('making brotli bodies [');
  });

  it('on a terminal: a command that ends within the delay shows nothing, however many steps it has', () => {
    const s = stream(true);
    let now = 0;
    const p = progressReporter(s, { clock: () => now });
    for (const label of ['reading article files', 'rendering feeds', 'making brotli bodies']) {
      for (let i = 1; i <= 100; i += 1) {
        now += 6; // 0.6 s a step
        p.report(label, i, 100);
      }
      p.end();
    }
    expect(now).to.be.below(2000);
    expect(s.text).to.equal('');
  });

  it("on a terminal: the delay counts from the command's start when given (a reporter made late)", () => {
    const s = stream(true);
    let now = 5000;
    const p = progressReporter(s, { clock: () => now, start: 3500 });
    p.report('importing MB', 1, 200);
    expect(s.text).to.equal('');
    now = 5500;
    p.report('importing MB', 2, 200);
    p.end();
    expect(s.text).to.include('importing MB [');
  });

  it('two kinds of work in turn each get their own tenths', () => {
    const s = stream(false);
    const p = progressReporter(s);
    for (let i = 1; i <= 1000; i += 1) p.report('a', i, 1000);
    for (let i = 1; i <= 1000; i += 1) p.report('b', i, 1000);
    expect(counts(s.text, 'a')).to.have.length(10);
    expect(counts(s.text, 'b')).to.have.length(10);
  });
});
