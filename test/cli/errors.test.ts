// Errors a person can act on, through the built CLI: a misspelt site.json key with the key it
// likely meant, JSON and XML errors with their file, line and column (1-based), and a serve that
// cannot listen saying so in one fatal record of its JSON-lines log (stdout a pipe) and exiting 1.
import { expect } from 'chai';
import { createServer, type Server } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { makeDataDir, removeDir, sampleSite, writeArticle } from '../support/fixtures.js';
import { runCli } from '../support/cli-run.js';
import { needPostgres, TestSchemas } from '../support/pg.js';

/** A TCP server holding a loopback port, so that nothing else can listen there. */
function holdPort(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });
}

/** Each line of `text` parsed as a JSON log record (throws on a line that is not JSON). */
function logRecords(text: string): { level: number; msg: string; code?: string }[] {
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string; code?: string });
}

describe('cli errors (issue 12)', function () {
  this.timeout(180_000);
  const dirs: string[] = [];
  const dataDir = (site?: Record<string, unknown>): string => {
    const dir = site === undefined ? makeDataDir() : makeDataDir({ site });
    dirs.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of dirs) removeDir(dir);
  });

  describe('site.json', () => {
    it('a misspelt key is named with the known key it likely meant ("titel" → "title", "timezone" → "timeZone")', () => {
      const { title, timeZone, ...rest } = sampleSite();
      const dir = dataDir({ ...rest, titel: title, timezone: timeZone, colour: 'blue' });
      for (const command of ['check', 'compile']) {
        const r = runCli([command, '--data', dir]);
        expect(r.status, r.all).to.equal(1);
        expect(r.stderr).to.include('titel is not a known setting (did you mean "title"?)');
        expect(r.stderr).to.include('timezone is not a known setting (did you mean "timeZone"?)');
        expect(r.stderr, 'nothing close: no suggestion').to.match(/colour is not a known setting(;|\n|$)/);
        expect(r.stderr).to.not.match(/^\s+at /m);
      }
    });

    it('a misspelt key inside a nested object (author) is named by its full path with the key it likely meant', () => {
      const dir = dataDir({ ...sampleSite(), author: { name: 'x', nmae: 'x', emial: 'y@example.com', website: 'https://example.com' } });
      for (const command of ['check', 'compile']) {
        const r = runCli([command, '--data', dir]);
        expect(r.status, r.all).to.equal(1);
        expect(r.stderr).to.include('author.nmae is not a known setting (did you mean "author.name"?)');
        expect(r.stderr).to.include('author.emial is not a known setting (did you mean "author.email"?)');
        expect(r.stderr, 'nothing close: no suggestion').to.match(/author\.website is not a known setting(;|\n|$)/);
        expect(r.stderr).to.not.match(/^\s+at /m);
      }
    });

    it('a site.json that is not JSON is named with the line and column (1-based) of the error', () => {
      const dir = dataDir();
      const text = '{\n  "title": "x",\n  "origin": "https://example.com",,\n}\n';
      writeFileSync(join(dir, 'site.json'), text);
      const column = (text.split('\n')[2] as string).indexOf(',,') + 2;
      const r = runCli(['check', '--data', dir]);
      expect(r.status, r.all).to.equal(1);
      expect(r.stderr).to.include(`${join(dir, 'site.json')}: line 3, column ${column}: not valid JSON: unexpected ","`);
    });
  });

  describe('files saved with a UTF-8 byte order mark (EF BB BF, as Windows editors save them)', () => {
    const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
    const withBom = (text: string) => Buffer.concat([BOM, Buffer.from(text, 'utf8')]);

    it('site.json and article files with a BOM are read; compile publishes the article', () => {
      const dir = dataDir();
      writeFileSync(join(dir, 'site.json'), withBom(JSON.stringify(sampleSite(), null, 2)));
      writeFileSync(join(dir, 'articles', 'zz-bom.json'), withBom(JSON.stringify({ id: 'bom-article', path: '/Detail/2016/07/12/bom', title: 'Saved with a BOM', body: '<p>x</p>', published: '2016-07-12T09:00:00', section: ['News'] }, null, 2)));
      const check = runCli(['check', '--data', dir]);
      expect(check.status, check.all).to.equal(0);
      expect(check.stdout).to.include('no problems');
      const compile = runCli(['compile', '--data', dir, '--json']);
      expect(compile.status, compile.all).to.equal(0);
      expect((JSON.parse(compile.stdout) as { problems: unknown[] }).problems).to.deep.equal([]);
    });

    it('an error in a file with a BOM is placed where an editor shows it (the mark takes no column)', () => {
      const dir = dataDir();
      const text = '{\n  "id": "broken",\n  "title": "a" "b"\n}\n';
      writeFileSync(join(dir, 'articles', 'zz-broken-bom.json'), withBom(text));
      writeFileSync(join(dir, 'site.json'), withBom('{ "title": "x",, }'));
      const column = (text.split('\n')[2] as string).indexOf('"b"') + 1;
      const site = runCli(['check', '--data', dir]);
      expect(site.status, site.all).to.equal(1);
      expect(site.stderr).to.include(`${join(dir, 'site.json')}: line 1, column 16: not valid JSON: unexpected ","`);
      writeFileSync(join(dir, 'site.json'), withBom(JSON.stringify(sampleSite())));
      const article = runCli(['check', '--data', dir]);
      expect(article.status, article.all).to.equal(1);
      expect(article.stderr).to.include(`zz-broken-bom.json: line 3, column ${column}: not valid JSON`);
    });

    it('FEEDWRIGHT_API_TOKEN_FILE with a BOM: the token is the text after the mark, bare or named', () => {
      const dir = dataDir();
      for (const text of ['abcdefghijklmnop0123\n', 'cms:abcdefghijklmnop0123\r\n']) {
        writeFileSync(join(dir, 'tokens'), withBom(text));
        const r = runCli(['check', '--data', dir], { env: { FEEDWRIGHT_API_TOKEN_FILE: join(dir, 'tokens') } });
        expect(r.status, `${JSON.stringify(text)}: ${r.all}`).to.equal(0);
      }
    });
  });

  describe('files that are not UTF-8 (never published with U+FFFD)', () => {
    const good = { id: 'enc-good', path: '/Detail/2016/07/12/enc-good', title: 'Saved as UTF-8: café', body: '<p>x</p>', published: '2016-07-12T09:00:00', section: ['News'] };
    const text = '{\n  "id": "enc-bad",\n  "title": "caf\u00e9 au lait",\n  "path": "/Detail/2016/07/12/enc-bad", "body": "<p>x</p>", "published": "2016-07-12T09:00:00"\n}\n';
    /** `text` with é as the one Latin-1 byte E9 (as a Windows-1252 editor saves it). */
    const latin1 = Buffer.from(text, 'latin1');
    const byte = latin1.indexOf(0xe9);
    const column = (text.split('\n')[2] as string).indexOf('\u00e9') + 1;

    it('an article file with a byte that is not UTF-8 is named with its line, column and byte, skipped, and the others published', () => {
      const dir = makeDataDir({ articles: { 'enc-good.json': good, 'zz-latin1.json': '' } });
      dirs.push(dir);
      writeFileSync(join(dir, 'articles', 'zz-latin1.json'), latin1);
      const message = `zz-latin1.json: line 3, column ${column} (byte ${byte}): not valid UTF-8: byte 0xE9 is not followed by the 2 continuation bytes it needs`;
      const check = runCli(['check', '--data', dir]);
      expect(check.status, check.all).to.equal(1);
      expect(check.stderr).to.include(message);
      const compile = runCli(['compile', '--data', dir, '--json']);
      const summary = JSON.parse(compile.stdout) as { ok: boolean; published: boolean; articles: number; problems: { file: string; message: string }[] };
      expect(summary.ok).to.equal(false);
      expect(summary.published && summary.articles, 'the good article is published').to.equal(1);
      expect(summary.problems.map((p) => p.file)).to.deep.equal(['zz-latin1.json']);
      expect(summary.problems[0]?.message).to.include(message).and.match(/; save it as UTF-8$/);
    });

    it('an article file saved as UTF-16 (with or without a byte order mark) says so and that it must be UTF-8', () => {
      const json = JSON.stringify(good);
      const files: [string, Buffer, string][] = [
        ['zz-le-bom.json', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')]), 'little-endian, with a byte order mark'],
        ['zz-be-bom.json', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(json, 'utf16le').swap16()]), 'big-endian, with a byte order mark'],
        ['zz-le.json', Buffer.from(json, 'utf16le'), 'little-endian, without a byte order mark'],
      ];
      const dir = makeDataDir({ articles: {} });
      dirs.push(dir);
      for (const [name, bytes] of files) writeFileSync(join(dir, 'articles', name), bytes);
      const check = runCli(['check', '--data', dir]);
      expect(check.status, check.all).to.equal(1);
      for (const [name, , how] of files) expect(check.stderr).to.include(`${name}: the file is UTF-16 (${how}), not UTF-8: save it as UTF-8`);
    });

    it('site.json and FEEDWRIGHT_API_TOKEN_FILE: a byte that is not UTF-8, or UTF-16, is named', () => {
      const dir = dataDir();
      const site = JSON.stringify(sampleSite(), null, 2).replace(/"title": "[^"]*"/, '"title": "Caf\u00e9"');
      const siteBytes = Buffer.from(site, 'latin1');
      const siteLine = site.slice(0, site.indexOf('\u00e9')).split('\n').length;
      const siteColumn = (site.split('\n')[siteLine - 1] as string).indexOf('\u00e9') + 1;
      writeFileSync(join(dir, 'site.json'), siteBytes);
      const r = runCli(['check', '--data', dir]);
      expect(r.status, r.all).to.equal(1);
      expect(r.stderr).to.include(`${join(dir, 'site.json')}: line ${siteLine}, column ${siteColumn} (byte ${siteBytes.indexOf(0xe9)}): not valid UTF-8`);
      writeFileSync(join(dir, 'site.json'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify(sampleSite()), 'utf16le')]));
      const wide = runCli(['check', '--data', dir]);
      expect(wide.status, wide.all).to.equal(1);
      expect(wide.stderr).to.include(`${join(dir, 'site.json')}: the file is UTF-16 (little-endian, with a byte order mark), not UTF-8: save it as UTF-8`);

      writeFileSync(join(dir, 'site.json'), JSON.stringify(sampleSite()));
      const tokens = join(dir, 'tokens');
      for (const [bytes, says] of [
        [Buffer.concat([Buffer.from('cms:abcdefghijklmnop'), Buffer.from([0xff]), Buffer.from('0123\n')]), 'line 1, column 21 (byte 20): not valid UTF-8: byte 0xFF never appears in UTF-8'],
        [Buffer.from('cms:abcdefghijklmnop0123\n', 'utf16le'), 'the file is UTF-16 (little-endian, without a byte order mark)'],
      ] as const) {
        writeFileSync(tokens, bytes);
        const t = runCli(['check', '--data', dir], { env: { FEEDWRIGHT_API_TOKEN_FILE: tokens } });
        expect(t.status, t.all).to.equal(1);
        expect(t.stderr).to.include(`FEEDWRIGHT_API_TOKEN_FILE names ${tokens}: ${says}`);
        expect(t.stderr, 'never the secret').to.not.include('abcdefghijklmnop');
      }
    });
  });

  describe('article files', () => {
    it('a broken article names the file, line and column (1-based) in check and compile', () => {
      const dir = dataDir();
      const text = '{\n  "id": "broken",\n  "title": "a" "b",\n  "body": "<p>x</p>"\n}\n';
      writeArticle(dir, 'zz-broken.json', text);
      const column = (text.split('\n')[2] as string).indexOf('"b"') + 1;
      const check = runCli(['check', '--data', dir]);
      expect(check.status, check.all).to.equal(1);
      expect(check.stderr).to.include(`zz-broken.json: line 3, column ${column}: not valid JSON: unexpected "\\"", expected "," or "}"`);
      const compile = runCli(['compile', '--data', dir]);
      expect(compile.status, compile.all).to.equal(1);
      expect(compile.stderr).to.include(`skipped zz-broken.json: line 3, column ${column}: not valid JSON`);
    });

    it('an unterminated string is placed at the line break inside it; a file cut short at its end', () => {
      const dir = dataDir();
      writeArticle(dir, 'zz-open.json', '{\n  "id": "open,\n  "title": "x"\n}');
      writeArticle(dir, 'zz-short.json', '{\n  "id": "short",\n  "tags": ["a",');
      const r = runCli(['check', '--data', dir]);
      expect(r.status, r.all).to.equal(1);
      expect(r.stderr).to.include('zz-open.json: line 2, column 15: not valid JSON: unterminated string (a line break inside it)');
      expect(r.stderr).to.include('zz-short.json: line 3, column 16: not valid JSON: unexpected end of input');
    });
  });

  describe('import', () => {
    it('an XML error names the file, line and column (1-based: where the tag that broke it begins) and exits 1', () => {
      const dir = makeDataDir({ articles: {} });
      dirs.push(dir);
      const bad = join(dir, 'broken.xml');
      const lines = ['<?xml version="1.0"?>', '<rss version="2.0">', '<channel><title>x</title>', '<item><title>a</titel></item></channel></rss>', ''];
      writeFileSync(bad, lines.join('\n'));
      const column = (lines[3] as string).indexOf('</titel>') + 1;
      const r = runCli(['import', bad, '--data', dir]);
      expect(r.status, r.all).to.equal(1);
      expect(r.stderr).to.include(`${bad}: line 4, column ${column}: the feed is not well-formed XML: the end tag </titel> does not match the open <title> (line 4, column 7)`);
      expect(r.stderr).to.not.match(/^\s+at /m);
    });
  });

  describe('serve that cannot listen', () => {
    it('on a port already taken: one fatal JSON log record on stdout (stderr empty), no stack trace, exit 1, the other listener untouched', async () => {
      const held = await holdPort();
      try {
        const r = runCli(['serve', '--data', dataDir()], { env: { PORT: String(held.port), HOST: '127.0.0.1' }, timeoutMs: 60_000 });
        expect(r.status, r.all).to.equal(1);
        expect(r.stderr, r.all).to.equal('');
        expect(logRecords(r.stdout).map((l) => [l.level, l.msg, l.code]), r.stdout).to.deep.equal([[60, `cannot listen on 127.0.0.1:${held.port}: address already in use (another process listens there: stop it, or set PORT)`, 'EADDRINUSE']]);
        expect(held.server.listening).to.equal(true);
      } finally {
        held.server.close();
      }
    });

    it('on a host that is not an address of this machine (or does not resolve): one line naming it, exit 1', () => {
      for (const host of ['192.0.2.1', 'no-such-host.invalid']) {
        const r = runCli(['serve', '--data', dataDir()], { env: { PORT: '0', HOST: host }, timeoutMs: 60_000 });
        expect(r.status, `${host}: ${r.all}`).to.equal(1);
        expect(r.stderr, r.all).to.equal('');
        const lines = logRecords(r.stdout).map((l) => l.msg);
        expect(lines, r.stdout).to.have.length(1);
        expect(lines[0]).to.match(new RegExp(`^cannot listen on ${host.replace(/\./g, '\\.')}:0: (address not available|host not found|host name could not be resolved)`));
      }
    });

    describe('as an instance of a PostgreSQL cluster', () => {
      const schemas = new TestSchemas();
      before(async function () {
        await needPostgres(this);
      });
      after(async () => {
        await schemas.dropAll();
      });

      it('on a port already taken: one line, exit 1 (and the process ends: its pool and session are closed, else it would hang)', async () => {
        const { url } = await schemas.create();
        const held = await holdPort();
        try {
          const r = runCli(['serve', '--data', dataDir(), '--database-url', url], { env: { PORT: String(held.port), HOST: '127.0.0.1' }, timeoutMs: 60_000 });
          expect(r.status, r.all).to.equal(1);
          expect(r.stderr, r.all).to.equal('');
          expect(logRecords(r.stdout).filter((l) => l.level === 60).map((l) => l.msg), r.stdout).to.deep.equal([`cannot listen on 127.0.0.1:${held.port}: address already in use (another process listens there: stop it, or set PORT)`]);
        } finally {
          held.server.close();
        }
      });
    });
  });
});
