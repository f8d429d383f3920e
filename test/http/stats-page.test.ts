// The /stats page's guard and assets (issue 12) on a real listening service: the API token is
// required (401 without credentials, 403 with wrong ones, 404 with no token configured), a
// browser logs in with a form that sets a cookie (never the token itself), and uPlot is served
// from this origin with a year of caching.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { STATS_COOKIE, STATS_CSP, UPLOT_BASE } from '../../src/http/stats-page.js';
import { createApiTokens } from '../../src/http/api-tokens.js';
import { get, HEALTH_TOKEN, makeDataDir, removeDir, startService, type TestService } from '../support/fixtures.js';

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

/** A service on the sample data for the enclosing describe (started before, closed and removed after). */
function serviceForSuite(options: Parameters<typeof startService>[1]): { readonly svc: TestService } {
  let svc: TestService | undefined;
  let dir: string | undefined;
  before(async () => {
    dir = makeDataDir();
    svc = await startService(dir, options);
  });
  after(async () => {
    await svc?.close();
    if (dir) removeDir(dir);
  });
  return {
    get svc() {
      return svc as TestService;
    },
  };
}

describe('/stats: token-guarded figures', function () {
  this.timeout(60_000);
  const suite = serviceForSuite({ apiToken: HEALTH_TOKEN });

  it('answers 401 without credentials (the login form; problem+json for the figures) and 403 with wrong ones, echoing no token', async () => {
    const page = await get(suite.svc.port, '/stats');
    expect(page.status).to.equal(401);
    expect(page.headers['www-authenticate']).to.equal('Bearer realm="feedwright stats"');
    expect(page.headers['content-security-policy']).to.equal(STATS_CSP);
    expect(page.headers['cache-control']).to.equal('no-store');
    expect(page.text).to.include('<form method="post" action="/stats/login"').and.not.include('data-feeds');
    const json = await get(suite.svc.port, '/stats.json');
    expect(json.status).to.equal(401);
    expect(json.headers['content-type']).to.match(/^application\/problem\+json/);
    for (const [path, headers] of [['/stats', { Authorization: 'Bearer wrong-token' }], ['/stats.json', { Authorization: 'Bearer wrong-token' }], ['/stats.json', { Authorization: `Basic ${Buffer.from(`x:${HEALTH_TOKEN}`).toString('base64')}` }], ['/stats.json', { Cookie: `${STATS_COOKIE}=${HEALTH_TOKEN}` }]] as const) {
      const res = await get(suite.svc.port, path, headers);
      expect(res.status, `${path} ${JSON.stringify(headers)}`).to.equal(403);
      expect(res.text).to.not.include(HEALTH_TOKEN).and.not.include('wrong-token');
    }
  });

  it('gives the page and the figures with the bearer token', async () => {
    const page = await get(suite.svc.port, '/stats', { Authorization: `Bearer ${HEALTH_TOKEN}` });
    expect(page.status).to.equal(200);
    expect(page.headers['content-security-policy']).to.equal(STATS_CSP);
    expect(page.text).to.include(`<script src="${UPLOT_BASE}/uPlot.iife.min.js" defer></script>`).and.include('<script src="/stats.js" defer></script>').and.include('data-feeds');
    expect(page.text).to.not.match(/<script>|<style>|style="/); // nothing inline: the CSP allows none
    const json = await get(suite.svc.port, '/stats.json', { Authorization: `Bearer ${HEALTH_TOKEN}` });
    expect(json.status).to.equal(200);
    expect(json.headers['cache-control']).to.equal('no-store');
    expect(JSON.parse(json.text)).to.have.keys('generatedAt', 'from', 'to', 'days', 'site', 'feeds', 'origins', 'hourly', 'daily');
  });

  it('logs a browser in with the form: a cookie derived from the token, HttpOnly and SameSite=Strict; a wrong token sets none', async () => {
    const wrong = await get(suite.svc.port, '/stats/login', FORM, 'POST', 'token=nope');
    expect(wrong.status).to.equal(403);
    expect(wrong.headers['set-cookie']).to.equal(undefined);
    const login = await get(suite.svc.port, '/stats/login', FORM, 'POST', `token=${encodeURIComponent(HEALTH_TOKEN)}`);
    expect(login.status).to.equal(303);
    expect(login.headers.location).to.equal('/stats');
    const cookie = (login.headers['set-cookie'] as string[])[0] as string;
    expect(cookie).to.match(new RegExp(`^${STATS_COOKIE}=default\\.\\d+\\.[A-Za-z0-9_-]{43}; Max-Age=43200; Path=/; Expires=.*; HttpOnly; SameSite=Strict$`));
    expect(cookie).to.not.include(HEALTH_TOKEN);
    const pair = cookie.split(';')[0] as string;
    expect((await get(suite.svc.port, '/stats', { Cookie: pair })).status).to.equal(200);
    expect((await get(suite.svc.port, '/stats.json', { Cookie: `other=1; ${pair}` })).status).to.equal(200);
    const logout = await get(suite.svc.port, '/stats/logout', { Cookie: pair }, 'POST');
    expect(logout.status).to.equal(303);
    expect((logout.headers['set-cookie'] as string[])[0]).to.match(new RegExp(`^${STATS_COOKIE}=; Path=/; Expires=Thu, 01 Jan 1970`));
  });

  it('serves uPlot from this origin under a versioned path, cached for a year, without the token', async () => {
    const require = createRequire(import.meta.url);
    for (const [file, type] of [['uPlot.iife.min.js', 'text/javascript; charset=utf-8'], ['uPlot.min.css', 'text/css; charset=utf-8']] as const) {
      const res = await get(suite.svc.port, `${UPLOT_BASE}/${file}`);
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.equal(type);
      expect(res.headers['cache-control']).to.equal('public, max-age=31536000, immutable');
      expect(res.body.equals(readFileSync(require.resolve(`uplot/dist/${file}`)))).to.equal(true);
    }
    expect(UPLOT_BASE).to.equal(`/stats/uplot/${(require('uplot/package.json') as { version: string }).version}`);
  });
});

describe('/stats without a configured token', function () {
  this.timeout(60_000);
  it('is off: 404, also for a login attempt', async () => {
    const dir = makeDataDir();
    const svc = await startService(dir);
    try {
      for (const [path, method] of [['/stats', 'GET'], ['/stats.json', 'GET'], ['/stats/login', 'POST']] as const) {
        const res = method === 'POST' ? await get(svc.port, path, FORM, method, 'token=') : await get(svc.port, path, { Authorization: 'Bearer anything' });
        expect(res.status, path).to.equal(404);
      }
    } finally {
      await svc.close();
      removeDir(dir);
    }
  });
});

describe('/stats with named API tokens (issue 12: one token per client)', function () {
  this.timeout(60_000);
  const CMS = 'cms-token-0123456789abcdef';
  const OPS = 'ops-token-0123456789abcdef';
  const tokens = createApiTokens([{ name: 'cms', secret: CMS }, { name: 'ops', secret: OPS }]);
  const suite = serviceForSuite({ apiTokens: tokens });

  it('lets any named token in; the login cookie names its token and ends when that token is revoked, the others still working', async () => {
    expect((await get(suite.svc.port, '/stats.json', { Authorization: `Bearer ${CMS}` })).status).to.equal(200);
    const login = await get(suite.svc.port, '/stats/login', FORM, 'POST', `token=${OPS}`);
    expect(login.status).to.equal(303);
    const cookie = String(login.headers['set-cookie']).split(';')[0] as string;
    expect(cookie.startsWith(`${STATS_COOKIE}=ops.`), cookie).to.equal(true);
    expect(cookie).to.not.include(OPS);
    expect((await get(suite.svc.port, '/stats.json', { Cookie: cookie })).status).to.equal(200);
    // A cookie made for another name with this signature is refused.
    expect((await get(suite.svc.port, '/stats.json', { Cookie: cookie.replace('=ops.', '=cms.') })).status).to.equal(403);
    // Revoke ops (what SIGHUP does after its line is removed): its cookie and bearer stop; cms works.
    tokens.replace([{ name: 'cms', secret: CMS }]);
    expect((await get(suite.svc.port, '/stats.json', { Cookie: cookie })).status).to.equal(403);
    expect((await get(suite.svc.port, '/stats.json', { Authorization: `Bearer ${OPS}` })).status).to.equal(403);
    expect((await get(suite.svc.port, '/stats.json', { Authorization: `Bearer ${CMS}` })).status).to.equal(200);
  });
});

describe('/stats refuses guessing like the API (review finding)', function () {
  this.timeout(60_000);
  const suite = serviceForSuite({ apiToken: HEALTH_TOKEN });

  it('counts wrong bearer tokens and wrong logins per address: after three, 429 with Retry-After, even for the right token', async () => {
    const statuses: number[] = [];
    statuses.push((await get(suite.svc.port, '/stats.json', { Authorization: 'Bearer guess-one-xxxxxxxxxxxx' })).status);
    statuses.push((await get(suite.svc.port, '/stats/login', FORM, 'POST', 'token=guess-two-xxxxxxxxxxxx')).status);
    statuses.push((await get(suite.svc.port, '/stats', { Authorization: 'Bearer guess-three-xxxxxxxxxx' })).status);
    expect(statuses).to.deep.equal([403, 403, 403]);
    for (const [path, headers, method, body] of [
      ['/stats.json', { Authorization: 'Bearer guess-four-xxxxxxxxxxx' }, 'GET', undefined],
      ['/stats/login', FORM, 'POST', `token=${encodeURIComponent(HEALTH_TOKEN)}`],
      ['/stats.json', { Authorization: `Bearer ${HEALTH_TOKEN}` }, 'GET', undefined],
    ] as const) {
      const r = await get(suite.svc.port, path, headers, method, body);
      expect(r.status, path).to.equal(429);
      expect(Number(r.headers['retry-after']), path).to.be.greaterThan(0);
    }
    // The same throttle as the API: the address is held back there too.
    expect((await get(suite.svc.port, '/api/articles/x', { Authorization: `Bearer ${HEALTH_TOKEN}` })).status).to.equal(429);
  });

  it('a login cookie carries its issue time: a forged later time, and a cookie 12 hours old, are refused', async () => {
    let now = Date.UTC(2026, 2, 1, 10);
    const other = await startService(makeDataDir(), { apiToken: HEALTH_TOKEN, clock: () => now });
    try {
      const login = await get(other.port, '/stats/login', FORM, 'POST', `token=${encodeURIComponent(HEALTH_TOKEN)}`);
      const pair = String((login.headers['set-cookie'] as string[])[0]).split(';')[0] as string;
      const m = /^feedwright_stats=default\.(\d+)\.([A-Za-z0-9_-]{43})$/.exec(pair);
      expect(m, pair).to.not.equal(null);
      expect(Number(m![1])).to.equal(now / 1000);
      expect((await get(other.port, '/stats.json', { Cookie: pair })).status).to.equal(200);
      // Moving the issue time (to stay logged in longer) breaks the signature.
      expect((await get(other.port, '/stats.json', { Cookie: `feedwright_stats=default.${Number(m![1]) + 3600}.${m![2]}` })).status).to.equal(403);
      now += 11 * 3_600_000;
      expect((await get(other.port, '/stats.json', { Cookie: pair })).status).to.equal(200);
      now += 3_600_000;
      expect((await get(other.port, '/stats.json', { Cookie: pair })).status).to.equal(403);
    } finally {
      await other.close();
    }
  });
});

describe('/stats login and logout refuse other sites (login CSRF, field review) and bodies that are not the form', function () {
  this.timeout(60_000);
  const suite = serviceForSuite({ apiToken: HEALTH_TOKEN });
  const good = () => `token=${encodeURIComponent(HEALTH_TOKEN)}`;
  const self = () => `http://127.0.0.1:${suite.svc.port}`;

  it('refuses a login with the right token sent from another site: by Sec-Fetch-Site, Origin (null too) or Referer; no cookie, not counted as a guess', async () => {
    const attempts: Record<string, string>[] = [
      { Origin: 'https://evil.example' },
      { Origin: `https://127.0.0.1.evil.example:${suite.svc.port}` },
      { Origin: 'null' },
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site', Origin: self() },
      { 'Sec-Fetch-Site': 'cross-site', Origin: self() },
      { Referer: 'https://evil.example/stats' },
      { Origin: `http://127.0.0.1:${suite.svc.port + 1}` },
    ];
    for (const headers of attempts) {
      const r = await get(suite.svc.port, '/stats/login', { ...FORM, ...headers }, 'POST', good());
      expect(r.status, JSON.stringify(headers)).to.equal(403);
      expect(r.headers['set-cookie'], JSON.stringify(headers)).to.equal(undefined);
      expect(r.text).to.include('sent from another site').and.not.include(HEALTH_TOKEN);
    }
    // Eight refusals, yet the address is not held back: they were no guesses at the token.
    const ok = await get(suite.svc.port, '/stats/login', { ...FORM, Origin: self() }, 'POST', good());
    expect(ok.status).to.equal(303);
    expect(String(ok.headers['set-cookie'])).to.match(new RegExp(`^${STATS_COOKIE}=default\\.`));
  });

  it('lets this site\'s own form in: same-origin Fetch Metadata, its Origin, its Referer, or a client that sends none of them', async () => {
    for (const headers of [{ 'Sec-Fetch-Site': 'same-origin', Origin: self() }, { Origin: self() }, { Referer: `${self()}/stats` }, {}, { 'Sec-Fetch-Site': 'none' }]) {
      const r = await get(suite.svc.port, '/stats/login', { ...FORM, ...headers }, 'POST', good());
      expect(r.status, JSON.stringify(headers)).to.equal(303);
    }
    // The page asks the browser to send its origin on its own forms (a no-referrer policy makes it `Origin: null`).
    const page = await get(suite.svc.port, '/stats');
    expect(page.headers['referrer-policy']).to.equal('same-origin');
    expect(page.text).to.include('<meta name="referrer" content="same-origin">');
  });

  it('refuses a logout sent from another site (the cookie stays), and takes one from this site', async () => {
    const login = await get(suite.svc.port, '/stats/login', FORM, 'POST', good());
    const pair = String((login.headers['set-cookie'] as string[])[0]).split(';')[0] as string;
    const forged = await get(suite.svc.port, '/stats/logout', { Cookie: pair, Origin: 'https://evil.example' }, 'POST');
    expect(forged.status).to.equal(403);
    expect(forged.headers['set-cookie']).to.equal(undefined);
    const own = await get(suite.svc.port, '/stats/logout', { Cookie: pair, Origin: self(), 'Sec-Fetch-Site': 'same-origin' }, 'POST');
    expect(own.status).to.equal(303);
    expect(String(own.headers['set-cookie'])).to.match(new RegExp(`^${STATS_COOKIE}=;`));
  });

  it('answers a body that is not the form (JSON with the right token, text, none) 415 with Accept, not "wrong token", and counts no guess', async () => {
    const bodies: [Record<string, string>, string][] = [
      [{ 'Content-Type': 'application/json' }, JSON.stringify({ token: HEALTH_TOKEN })],
      [{ 'Content-Type': 'application/json; charset=utf-8' }, JSON.stringify({ token: HEALTH_TOKEN })],
      [{ 'Content-Type': 'text/plain' }, good()],
      [{ 'Content-Type': 'multipart/form-data; boundary=x' }, `--x\r\nContent-Disposition: form-data; name="token"\r\n\r\n${HEALTH_TOKEN}\r\n--x--\r\n`],
      [{}, good()],
    ];
    for (const [headers, body] of bodies) {
      const r = await get(suite.svc.port, '/stats/login', headers, 'POST', body);
      expect(r.status, JSON.stringify(headers)).to.equal(415);
      expect(r.headers.accept).to.equal('application/x-www-form-urlencoded');
      expect(r.headers['set-cookie']).to.equal(undefined);
      expect(r.text).to.include('application/x-www-form-urlencoded').and.include('Authorization: Bearer').and.not.include(HEALTH_TOKEN);
    }
    // Five such bodies and the address is not held back (three wrong tokens would).
    expect((await get(suite.svc.port, '/stats/login', FORM, 'POST', good())).status).to.equal(303);
  });
});
