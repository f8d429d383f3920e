// The /stats page in headless Chromium (Debian's /usr/bin/chromium through playwright-core, as
// test/pages/previews.test.ts): polls with real User-Agents are counted, then the page is
// opened, logged into with its form, and must draw its four uPlot charts (canvas elements) with
// no console error and no CSP violation, show the counted figures in its tables (per feed and
// per origin), draw one feed's charts when its link or the "Charts for" list chooses it (and
// when its #feed= address is opened), and pass axe-core (no violation of any impact, colour
// contrast included) in light and dark mode.
// Skipped, saying why, without Chromium unless FEEDWRIGHT_REQUIRE_CHROMIUM=1 (CI).
import { expect } from 'chai';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { get, HEALTH_TOKEN, makeDataDir, removeDir, ROOT, startService, type TestService } from '../support/fixtures.js';
import { AGGREGATOR_AGENTS } from '../stats/agents.js';

const CHROMIUM = '/usr/bin/chromium';
const REQUIRED = process.env.FEEDWRIGHT_REQUIRE_CHROMIUM === '1';
const ARTIFACTS = join(ROOT, 'test-artifacts', 'pages');
const NNW = 'NetNewsWire (RSS Reader; https://netnewswire.com/)';
/** The feed of the sample's Persian tag, as people read its path, and as served and counted. */
const TAG_PATH = '/tags/تهران/rss.xml';
const TAG_SERVED = TAG_PATH.split('/').map(encodeURIComponent).join('/');

/** Each chart's canvas as a PNG data URL, by chart name: what it draws, to compare. */
async function chartImages(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-chart]')].map((d) => [(d as HTMLElement).dataset.chart, (d.querySelector('canvas') as HTMLCanvasElement).toDataURL()])));
}

interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }

/**
 * axe-core's violations on the page, every impact (minor and moderate too: landmark-unique is
 * moderate; field review), its source evaluated in the page.
 */
async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
  return violations;
}

/**
 * Each table's columns as laid out: per column, the heading's and the cells' text-align, and
 * whether every body cell is a figure (digits, separators, units, a dash).
 */
async function columnAlignment(page: Page, selector: string): Promise<{ heading: string; aligns: string[]; numeric: boolean }[]> {
  return page.evaluate((sel) => {
    const table = document.querySelector(sel) as HTMLTableElement;
    const heads = [...table.querySelectorAll('thead th')];
    return heads.map((th, i) => {
      const cells = [...table.querySelectorAll('tbody tr, tfoot tr')].map((tr) => tr.children[i]).filter((c): c is Element => c !== undefined);
      return {
        heading: (th.textContent ?? '').trim(),
        aligns: [getComputedStyle(th).textAlign, ...cells.map((c) => getComputedStyle(c).textAlign)],
        numeric: cells.length > 0 && cells.every((c) => /^[\d,.\s%–]+(?:[KMGT]?B)?$/.test((c.textContent ?? '').trim())),
      };
    });
  }, selector);
}

describe('/stats in headless Chromium', function () {
  this.timeout(120_000);
  let svc: TestService;
  let dir: string;
  let browser: Browser;
  let base: string;
  let rssBytes = 0;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      const reason = `${CHROMIUM} is missing (apt-get install chromium)`;
      if (REQUIRED) throw new Error(`FEEDWRIGHT_REQUIRE_CHROMIUM=1 but ${reason}`);
      console.log(`      (browser stats page tests skipped: ${reason})`);
      this.skip();
    }
    const { chromium } = await import('playwright-core');
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = makeDataDir();
    svc = await startService(dir, { apiToken: HEALTH_TOKEN });
    base = `http://127.0.0.1:${svc.port}`;
    // The figures the table must show: five aggregators and one reader polling /rss.xml (one 304).
    for (const a of AGGREGATOR_AGENTS) rssBytes += (await get(svc.port, '/rss.xml', { 'User-Agent': a.ua })).body.length;
    const first = await get(svc.port, '/rss.xml', { 'User-Agent': NNW, 'Accept-Encoding': 'gzip' });
    rssBytes += first.body.length;
    expect((await get(svc.port, '/rss.xml', { 'User-Agent': NNW, 'If-None-Match': first.headers.etag as string })).status).to.equal(304);
    const tagUrl = TAG_PATH.split('/').map(encodeURIComponent).join('/');
    expect((await get(svc.port, tagUrl, { 'User-Agent': 'curl/8.5.0' })).status, tagUrl).to.equal(200);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  });

  after(async () => {
    await browser?.close();
    await svc?.close();
    if (dir) removeDir(dir);
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`${scheme} mode: log in with the form, four charts drawn, the counted figures in the table, no console error, no CSP violation, axe-core clean`, async () => {
      const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 1200, height: 900 } });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        // Chromium asks for /favicon.ico by itself; the site has none (404, logged as an error).
        const favicon = m.location().url !== '' && new URL(m.location().url).pathname === '/favicon.ico';
        if ((m.type() === 'error' && !favicon) || /Content Security Policy/i.test(m.text())) problems.push(`${m.text()} (${m.location().url})`);
      });
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      page.on('response', (r) => {
        if (r.status() >= 400 && new URL(r.url()).pathname !== '/stats') problems.push(`${r.status()} ${r.url()}`);
      });
      try {
        const denied = await page.goto(`${base}/stats`, { waitUntil: 'load' });
        expect(denied?.status()).to.equal(401);
        // The browser reports the 401 document's own status as a console error; only what follows counts.
        problems.length = 0;
        const loginViolations = await axeViolations(page);
        expect(loginViolations, `login page: ${JSON.stringify(loginViolations, null, 2)}`).to.deep.equal([]);
        await page.getByLabel('API token').fill(HEALTH_TOKEN);
        await Promise.all([page.waitForURL(`${base}/stats`), page.getByRole('button', { name: 'Show the figures' }).click()]);
        await page.waitForFunction(() => document.querySelectorAll('[data-chart] canvas').length === 4, undefined, { timeout: 60_000 });
        expect(await page.locator('[data-feeds] tbody tr').count()).to.be.greaterThan(0);
        const row = page.locator('[data-feeds] tbody tr', { has: page.locator('th', { hasText: /^\/rss\.xml$/ }) });
        const cells = await row.locator('td').allInnerTexts();
        expect(cells.slice(0, 4)).to.deep.equal(['7', '6', '1', '14.3 %']);
        expect(cells[7]).to.equal('1,398 (Feedly 1,234, Inoreader 56, NewsBlur 7, Feedbin 89, The Old Reader 12)');
        expect(cells[8]).to.equal('1');
        const json = JSON.parse((await get(svc.port, '/stats.json', { Authorization: `Bearer ${HEALTH_TOKEN}` })).text) as { feeds: { path: string; bytes: number }[] };
        expect(json.feeds.find((f) => f.path === '/rss.xml')?.bytes).to.equal(rssBytes);
        expect(await page.locator('[data-feeds] tfoot th').innerText()).to.equal('Whole site');
        // A tag with a Persian name: counted under its percent-encoded path, shown decoded (field review).
        const feedPaths = await page.locator('[data-feeds] tbody th').allInnerTexts();
        expect(feedPaths).to.include(TAG_PATH);
        expect(feedPaths.filter((p) => p.includes('%')), 'percent-encoded paths shown').to.deep.equal([]);
        // Figures right-aligned under right-aligned headings; names left (field review).
        for (const table of ['[data-feeds]', '[data-families]']) {
          const columns = await columnAlignment(page, table);
          expect(columns[0]?.aligns.every((a) => a === 'left' || a === 'start'), `${table} first column`).to.equal(true);
          for (const c of columns.slice(1)) {
            if (c.numeric) expect(c.aligns.every((a) => a === 'right'), `${table} "${c.heading}": ${c.aligns.join(',')}`).to.equal(true);
            expect(new Set(c.aligns).size, `${table} "${c.heading}" heading and cells aligned alike: ${c.aligns.join(',')}`).to.equal(1);
          }
          expect(columns.filter((c) => c.numeric).length, `${table} numeric columns`).to.be.greaterThan(1);
        }
        expect(await page.locator('[data-families] tbody tr', { has: page.locator('th', { hasText: /^NetNewsWire$/ }) }).locator('td').allInnerTexts()).to.deep.equal(['2', '1']);
        // Each chart drew on a canvas of real size.
        const sizes = await page.evaluate(() => [...document.querySelectorAll('[data-chart] canvas')].map((c) => (c as HTMLCanvasElement).width * (c as HTMLCanvasElement).height));
        expect(sizes.every((s) => s > 0)).to.equal(true);
        await page.screenshot({ path: join(ARTIFACTS, `stats-${scheme}.png`), fullPage: true });
        expect(problems).to.deep.equal([]);
        const violations = await axeViolations(page);
        expect(violations, JSON.stringify(violations, null, 2)).to.deep.equal([]);

        // Per origin (review): the primary and the mirror, each with its figures.
        expect(await page.locator('[data-origins] tbody th').allInnerTexts()).to.deep.equal(['https://www.presstv.com', 'https://www.presstv.ir']);
        expect((await page.locator('[data-origins] tbody tr').nth(0).locator('td').allInnerTexts()).slice(0, 4)).to.deep.equal(['8', '7', '1', '12.5 %']);

        // One feed's charts (review): its link in the table shows them on the same page.
        const siteCharts = await chartImages(page);
        expect(await page.locator('[data-subject-heading]').innerText()).to.equal('whole site');
        await Promise.all([
          page.waitForResponse((r) => new URL(r.url()).pathname === '/stats.json' && new URL(r.url()).searchParams.get('path') === '/rss.xml' && r.status() === 200),
          row.locator('th a').click(),
        ]);
        await page.waitForFunction(() => document.querySelector('[data-subject-heading]')?.textContent === '/rss.xml');
        expect(new URL(page.url()).hash).to.equal(`#feed=${encodeURIComponent('/rss.xml')}`);
        expect(await page.locator('[data-chart] canvas').count()).to.equal(4);
        expect(await page.locator('[data-chart-path]').inputValue()).to.equal('/rss.xml');
        expect(await page.locator('[data-chart-summary]').innerText()).to.match(/^\/rss\.xml: 7 requests, 304 share 14\.3 %, .* sent, 1,398 \(Feedly 1,234/);
        expect(await page.locator('#chart-requests').innerText()).to.equal('Polls per hour (/rss.xml)');
        expect(await page.evaluate(() => document.activeElement?.id)).to.equal('h-charts');
        const rssCharts = await chartImages(page);
        expect(rssCharts.requests, 'the polls chart redrawn with the feed\'s series').to.not.equal(siteCharts.requests);
        // The list chooses another: the Persian tag's feed, named as people read it.
        await Promise.all([
          page.waitForResponse((r) => new URL(r.url()).pathname === '/stats.json' && new URL(r.url()).searchParams.get('path') === TAG_SERVED && r.status() === 200),
          page.getByLabel('Charts for').selectOption({ label: TAG_PATH }),
        ]);
        await page.waitForFunction((p) => document.querySelector('[data-subject-heading]')?.textContent === p, TAG_PATH);
        const tagCharts = await chartImages(page);
        expect(tagCharts.subscribers, 'no subscribers for the tag').to.not.equal(rssCharts.subscribers);
        // Its address opens the page on its charts (a fresh load of the fragment).
        await page.goto(`${base}/stats#feed=${encodeURIComponent(TAG_SERVED)}`, { waitUntil: 'load' });
        await page.reload({ waitUntil: 'load' });
        await page.waitForFunction((p) => document.querySelector('[data-subject-heading]')?.textContent === p && document.querySelectorAll('[data-chart] canvas').length === 4, TAG_PATH, { timeout: 60_000 });
        // And back to the whole site.
        await page.getByLabel('Charts for').selectOption({ label: 'Whole site' });
        await page.waitForFunction(() => document.querySelector('[data-subject-heading]')?.textContent === 'whole site');
        await row.locator('th a').click();
        await page.waitForFunction(() => document.querySelector('[data-subject-heading]')?.textContent === '/rss.xml');
        await page.screenshot({ path: join(ARTIFACTS, `stats-feed-${scheme}.png`), fullPage: true });
        expect(problems).to.deep.equal([]);
        const feedViolations = await axeViolations(page);
        expect(feedViolations, `a feed's charts: ${JSON.stringify(feedViolations, null, 2)}`).to.deep.equal([]);
      } finally {
        await context.close();
      }
    });
  }
});
