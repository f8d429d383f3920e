// The SQLite store: the shared contract, WAL mode, and the feed query using its index.
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NEWEST_IN_SCOPE_SQL, openSqliteStore } from '../../src/store/sqlite-store.js';
import { storeContract } from './store-contract.js';
import { removeDir } from '../support/fixtures.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

function freshFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'feedwright-store-'));
  dirs.push(dir);
  return join(dir, 'feedwright.db');
}

storeContract('SQLite store', async () => openSqliteStore(freshFile()));

describe('SQLite store', () => {
  it('runs in WAL mode and answers "newest N of a scope" from the index, without a sort', async () => {
    const file = freshFile();
    const store = openSqliteStore(file);
    await store.close();
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${NEWEST_IN_SCOPE_SQL}`).all('tags/oil', Date.now(), 50) as { detail: string }[];
      const details = plan.map((p) => p.detail).join(' | ');
      expect(details).to.match(/SEARCH s USING PRIMARY KEY \(scope=\? AND published<\?\)/);
      expect(details).to.not.match(/TEMP B-TREE/);
    } finally {
      db.close();
    }
  });

  it('names the file when it cannot be opened', () => {
    // A regular file where a folder should be: the store cannot be created under it.
    const blocker = freshFile();
    writeFileSync(blocker, 'not a folder');
    expect(() => openSqliteStore(join(blocker, 'feedwright.db'))).to.throw(/STORE|cannot open the SQLite store .*feedwright\.db/);
  });
});
