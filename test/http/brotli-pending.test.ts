// Serving a document whose brotli body is still being made (issue 10): the fast path over a real
// listening server, a real body folder and a published set built by the compiler's own code
// (documentFromRecord), held in the two states a document goes through — published with
// identity and gzip, then with its brotli body swapped in. A request that prefers br gets a
// complete gzip response first (RFC 9110 §8.4.1, §12.5.3), then br; every tag the document has
// matches If-None-Match in both states (§13.1.2), and Last-Modified never changes.
import { expect } from 'chai';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { loadSiteConfig } from '../../src/config.js';
import { openBodyStore } from '../../src/compile/body-store.js';
import { brotliBody, gzipBody } from '../../src/compile/compression.js';
import { CONTENT_TYPES, createHeaderRules, documentFromRecord, entityTag, variantTag } from '../../src/publish/header-rules.js';
import { BROTLI_PENDING, type PublishedSet } from '../../src/publish/published-set.js';
import { createFeedServer } from '../../src/http/server.js';
import { get, makeDataDir, removeDir } from '../support/fixtures.js';

describe('a document whose brotli body is pending', () => {
  const dirs: string[] = [];
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
    for (const d of dirs.splice(0)) removeDir(d);
  });

  it('is served as gzip to br requests until its brotli body is swapped in, then as br; every tag gives 304 in both states', async () => {
    const dataDir = makeDataDir({ copySample: false, articles: {} });
    const bodiesDir = mkdtempSync(join(tmpdir(), 'feedwright-bodies-'));
    dirs.push(dataDir, bodiesDir);
    const site = loadSiteConfig(dataDir);
    const headersFor = createHeaderRules(site, 60);
    const identity = Buffer.from(`<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>t</title>${'<item><title>news</title></item>'.repeat(400)}</channel></rss>\n`, 'utf8');
    const hash = entityTag(identity);
    const gzip = gzipBody(identity);
    writeFileSync(join(bodiesDir, variantTag(hash, 'identity')), identity);
    writeFileSync(join(bodiesDir, variantTag(hash, 'gzip')), gzip);
    const lastModified = Date.parse('2026-03-01T12:00:00Z');
    const record = { contentType: CONTENT_TYPES.rss, lastModified, hash, sizes: { identity: identity.length, gzip: gzip.length, br: BROTLI_PENDING } };
    const setOf = (r: typeof record): PublishedSet => ({ generation: 1, publishedAt: lastModified, documents: new Map([['/rss.xml', [documentFromRecord(r, headersFor('/rss.xml', r.contentType, 0))]]]), feeds: [], articles: 0 });
    let current = setOf(record);
    // A memory budget of 0: every body is read from the folder, as after a restart.
    server = createFeedServer({ site, current: () => current, app: express(), bodies: openBodyStore(bodiesDir, 0), periodSeconds: 60, logError: () => {} });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const tag = (suffix: string) => `"${hash}${suffix}"`;

    // Pending: br requests get the gzip representation, complete and with its own tag.
    for (const ae of ['br', 'gzip, deflate, br', 'br;q=1, gzip;q=0.5']) {
      const r = await get(port, '/rss.xml', { 'Accept-Encoding': ae });
      expect(r.status, ae).to.equal(200);
      expect(r.headers['content-encoding'], ae).to.equal('gzip');
      expect(r.headers.etag, ae).to.equal(tag('-gz'));
      expect(r.headers.vary).to.equal('Accept-Encoding');
      expect(r.headers['content-length']).to.equal(String(gzip.length));
      expect(r.headers['last-modified']).to.equal(new Date(lastModified).toUTCString());
      expect(gunzipSync(r.body).equals(identity), ae).to.equal(true);
    }
    const head = await get(port, '/rss.xml', { 'Accept-Encoding': 'br' }, 'HEAD');
    expect([head.headers['content-encoding'], head.headers.etag]).to.deep.equal(['gzip', tag('-gz')]);
    // Every tag the document has matches, the brotli one included (a reader that got br from
    // another instance, or before a restart).
    for (const inm of [tag(''), tag('-gz'), tag('-br'), `W/${tag('-br')}`, `"other", ${tag('-br')}`]) {
      for (const ae of ['br', 'gzip', undefined]) {
        const r = await get(port, '/rss.xml', { 'If-None-Match': inm, ...(ae === undefined ? {} : { 'Accept-Encoding': ae }) });
        expect(r.status, `${inm} / ${ae}`).to.equal(304);
        expect(r.body.length).to.equal(0);
        expect(r.headers['last-modified']).to.equal(new Date(lastModified).toUTCString());
        // The 304 names the tag the client holds (RFC 9111 §4.3.4), h-br included while pending.
        expect(r.headers.etag, `${inm} / ${ae}`).to.equal((inm.split(',').pop() as string).trim().replace(/^W\//, ''));
      }
    }
    expect((await get(port, '/rss.xml', { 'If-None-Match': `"${hash}-zz"`, 'Accept-Encoding': 'br' })).status).to.equal(200);

    // The brotli body arrives: written, then swapped in with its size.
    const br = brotliBody(identity);
    writeFileSync(join(bodiesDir, variantTag(hash, 'br')), br);
    current = setOf({ ...record, sizes: { ...record.sizes, br: br.length } });
    const made = await get(port, '/rss.xml', { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(made.status).to.equal(200);
    expect(made.headers['content-encoding']).to.equal('br');
    expect(made.headers.etag).to.equal(tag('-br'));
    expect(made.headers['content-length']).to.equal(String(br.length));
    expect(made.headers['last-modified']).to.equal(new Date(lastModified).toUTCString());
    expect(brotliDecompressSync(made.body).equals(identity)).to.equal(true);
    // gzip and identity are unchanged, and every tag still matches.
    const gz = await get(port, '/rss.xml', { 'Accept-Encoding': 'gzip' });
    expect([gz.headers.etag, gz.body.equals(gzip)]).to.deep.equal([tag('-gz'), true]);
    expect((await get(port, '/rss.xml')).headers.etag).to.equal(tag(''));
    for (const inm of [tag(''), tag('-gz'), tag('-br')]) expect((await get(port, '/rss.xml', { 'If-None-Match': inm, 'Accept-Encoding': 'br' })).status, inm).to.equal(304);
  });
});
