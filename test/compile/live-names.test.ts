// The published set's body names, counted (src/compile/live-names.ts): a publish updates the
// counts of the documents it replaces; a name stays live while any document names it.
import { expect } from 'chai';
import { countLiveNames } from '../../src/compile/live-names.js';
import type { CompiledDocument } from '../../src/publish/published-set.js';

const doc = (...etags: string[]) => ({ etags }) as unknown as CompiledDocument;

describe('live body names (src/compile/live-names.ts)', () => {
  it('counts the names of a set: one shared by two documents stays live until both are gone', () => {
    const a = doc('h1', 'h1-gz', 'h1-br');
    const b = doc('h1', 'h1-gz', 'h1-br'); // the same bytes on another path (two empty feeds)
    const c = doc('h2', 'h2-gz', 'h2-br');
    const live = countLiveNames(new Map([['/a', [a]], ['/b', [b]], ['/c', [c]]]));
    expect(live.size).to.equal(6);
    live.apply([], [a]);
    expect(live.has('h1') && live.has('h1-gz') && live.has('h1-br'), 'still named by /b').to.equal(true);
    live.apply([], [b]);
    expect(live.has('h1') || live.has('h1-gz') || live.has('h1-br')).to.equal(false);
    expect(live.has('h2')).to.equal(true);
    expect([...live.names()].sort()).to.deep.equal(['h2', 'h2-br', 'h2-gz']);
  });

  it('a document published again with the same bytes keeps its names; replaced bytes lose theirs', () => {
    const old = doc('h1', 'h1-gz', 'h1-br');
    const live = countLiveNames(new Map([['/rss.xml', [old]]]));
    live.apply([doc('h1', 'h1-gz', 'h1-br')], [old]);
    expect(live.has('h1-gz')).to.equal(true);
    live.apply([doc('h3', 'h3-gz', 'h3-br')], [doc('h1', 'h1-gz', 'h1-br')]);
    expect(live.has('h1')).to.equal(false);
    expect(live.has('h3-br')).to.equal(true);
    expect(live.size).to.equal(3);
  });

  it('removing a name never counted is harmless', () => {
    const live = countLiveNames();
    live.apply([], [doc('x')]);
    expect(live.size).to.equal(0);
    live.apply([doc('x')], []);
    expect(live.has('x')).to.equal(true);
  });
});
