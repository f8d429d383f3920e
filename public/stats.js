// The /stats page's one script (served from this origin, as the page's CSP requires): fetches
// /stats.json (the login cookie goes with it) and fills the totals, the per-feed, per-origin and
// reader-family tables, then draws the four charts with uPlot (served from this origin too). A
// feed's link in the table, or the "Charts for" list, sets the page's fragment to
// `#feed=<path>`; the charts then show that feed's series from /stats.json?path=<path>
// (`#site`, or no fragment: the whole site's), so a feed's charts have an address to share.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const status = document.querySelector('[data-status]');
  const number = (n) => Number(n).toLocaleString('en');
  const bytes = (n) => {
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let v = Number(n);
    let u = 0;
    while (v >= 1000 && u < units.length - 1) { v /= 1000; u += 1; }
    return `${u === 0 ? v : v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
  };
  // A document's path as people read it: percent-encoded UTF-8 decoded (`/tags/تهران/rss.xml`,
  // not `/tags/%D8%AA…`), reserved characters (`%2F`, `%3F`, …) kept encoded as decodeURI does,
  // control and bidirectional-override characters put back as %XX so they cannot disguise the
  // path; malformed encoding shown as it came. Shown with textContent: never parsed as HTML.
  const displayPath = (path) => {
    let text;
    try { text = decodeURI(path); } catch { return path; }
    return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => encodeURIComponent(c));
  };
  const percent = (share) => (share === null ? '–' : `${(share * 100).toFixed(1)} %`);
  const subscribers = (f) => {
    const parts = Object.entries(f.subscribersByAggregator).map(([a, n]) => `${a} ${number(n)}`);
    return parts.length === 0 ? number(f.subscribers) : `${number(f.subscribers)} (${parts.join(', ')})`;
  };
  const cell = (row, text, header, className) => {
    const td = document.createElement(header ? 'th' : 'td');
    if (header) td.scope = 'row';
    if (className) td.className = className;
    td.textContent = text;
    row.append(td);
  };
  // A row of figures: the name (text, or an element such as a feed's link), the totals, and
  // readers today where the figures have them (documents and the site; not origins).
  const figuresRow = (f, name, header) => {
    const tr = document.createElement('tr');
    cell(tr, typeof name === 'string' ? name : '', header);
    if (typeof name !== 'string') tr.firstChild.append(name);
    for (const v of [number(f.requests), number(f.ok), number(f.notModified), percent(f.notModifiedShare), bytes(f.bytes), bytes(f.bytesByCoding.gzip), bytes(f.bytesByCoding.br)]) cell(tr, v);
    cell(tr, subscribers(f), false, 'wrap');
    if ('readersToday' in f) cell(tr, number(f.readersToday));
    return tr;
  };
  const feedHash = (path) => `#feed=${encodeURIComponent(path)}`;
  const feedLink = (path) => {
    const a = document.createElement('a');
    a.href = feedHash(path);
    a.textContent = displayPath(path);
    return a;
  };

  const show = (report) => {
    counted = `Counted from ${report.from} to ${report.to} (UTC).`;
    status.textContent = counted;
    const totals = document.querySelector('[data-totals]');
    const site = report.site;
    for (const [term, value] of [['Requests', number(site.requests)], ['304 share', percent(site.notModifiedShare)], ['Bytes sent', bytes(site.bytes)], ['Subscribers (aggregators)', subscribers(site)], ['Individual readers today', number(site.readersToday)]]) {
      const div = document.createElement('div');
      const dt = document.createElement('dt');
      const dd = document.createElement('dd');
      dt.textContent = term;
      dd.textContent = value;
      div.append(dt, dd);
      totals.append(div);
    }
    const feeds = document.querySelector('[data-feeds]');
    const body = feeds.querySelector('tbody');
    const pick = document.querySelector('[data-chart-path]');
    for (const f of report.feeds) {
      body.append(figuresRow(f, feedLink(f.path), true));
      pick.append(new Option(displayPath(f.path), f.path));
    }
    if (report.feeds.length === 0) {
      const tr = document.createElement('tr');
      cell(tr, 'Nothing counted in the last 7 days.');
      tr.firstChild.colSpan = 10;
      body.append(tr);
    }
    feeds.querySelector('tfoot').append(figuresRow(site, 'Whole site', true));
    const origins = document.querySelector('[data-origins] tbody');
    for (const o of report.origins) origins.append(figuresRow(o, o.origin, true));
    const families = document.querySelector('[data-families] tbody');
    for (const fam of site.byFamily) {
      const tr = document.createElement('tr');
      cell(tr, fam.family, true);
      cell(tr, number(fam.requests));
      cell(tr, number(fam.readersToday));
      families.append(tr);
    }
    siteSeries = report;
    draw(report);
    // The list moves nothing (a keyboard walks it); a link moves focus to the charts it chose.
    let picking = false;
    pick.addEventListener('change', () => {
      const next = pick.value === '' ? '#site' : feedHash(pick.value);
      if (location.hash === next) return;
      picking = true;
      location.hash = next;
    });
    window.addEventListener('hashchange', () => {
      showCharts(!picking);
      picking = false;
    });
    showCharts(false);
  };

  const charts = new Map();
  let siteSeries;
  let counted = '';
  const seriesData = (r) => ({
    requests: [r.hourly.t, r.hourly.requests],
    share: [r.hourly.t, r.hourly.notModifiedShare.map((s) => (s === null ? null : s * 100))],
    bytes: [r.hourly.t, r.hourly.bytes],
    subscribers: [r.daily.t, r.daily.subscribers, r.daily.readers],
  });
  const draw = (report) => {
    if (typeof uPlot !== 'function') {
      counted += ' The charts could not be drawn (uPlot did not load).';
      status.textContent = counted;
      return;
    }
    const css = getComputedStyle(document.documentElement);
    const colour = (name) => css.getPropertyValue(name).trim();
    const fg = colour('--fg');
    const rule = colour('--rule');
    const axes = (format) => [
      { stroke: fg, grid: { stroke: rule }, ticks: { stroke: rule } },
      { stroke: fg, grid: { stroke: rule }, ticks: { stroke: rule }, size: 70, values: (_u, ticks) => ticks.map(format) },
    ];
    const data = seriesData(report);
    const specs = {
      requests: { series: [{ label: 'Polls', stroke: colour('--accent'), width: 2 }], format: number },
      share: { series: [{ label: '304 share (%)', stroke: colour('--chart-2'), width: 2, points: { show: true, size: 5 } }], format: (v) => `${v} %` },
      bytes: { series: [{ label: 'Bytes', stroke: colour('--chart-3'), width: 2 }], format: bytes },
      subscribers: { series: [{ label: 'Subscribers', stroke: colour('--accent'), width: 2 }, { label: 'Individual readers', stroke: colour('--chart-2'), width: 2 }], format: number },
    };
    for (const [name, spec] of Object.entries(specs)) {
      const target = document.querySelector(`[data-chart="${name}"]`);
      const width = Math.max(280, target.clientWidth || 600);
      const opts = { width, height: 220, scales: { x: { time: true } }, series: [{ label: 'Time (UTC)' }, ...spec.series], axes: axes(spec.format), tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC') };
      charts.set(name, [target, new uPlot(opts, data[name], target)]);
    }
    window.addEventListener('resize', () => {
      for (const [target, chart] of charts.values()) chart.setSize({ width: Math.max(280, target.clientWidth || 600), height: 220 });
    });
  };

  // The charts of one feed (path) or of the site (undefined): new data into the same charts,
  // the captions and the list naming what they show, and a line of its totals (the charts
  // are pictures: the line says in words what they add up to).
  const subject = (path, report) => {
    const name = path === undefined ? 'whole site' : displayPath(path);
    document.querySelector('[data-subject-heading]').textContent = name;
    for (const s of document.querySelectorAll('[data-subject]')) s.textContent = `(${name})`;
    document.querySelector('[data-chart-path]').value = path ?? '';
    const f = path === undefined ? report.site : report.figures;
    document.querySelector('[data-chart-summary]').textContent = `${path === undefined ? 'Whole site' : name}: ${number(f.requests)} requests, 304 share ${percent(f.notModifiedShare)}, ${bytes(f.bytes)} sent, ${subscribers(f)} subscribers, ${number(f.readersToday)} individual readers today.`;
    const data = seriesData(report);
    for (const [key, [, chart]] of charts) chart.setData(data[key]);
  };
  let asked = 0;
  // Shows the charts the fragment names; `moved`: the reader chose them (move focus there).
  const showCharts = (moved) => {
    const m = /^#feed=(.*)$/.exec(location.hash);
    let path;
    try { path = m === null ? undefined : decodeURIComponent(m[1]); } catch { path = undefined; }
    const mine = ++asked;
    const shown = (report) => {
      if (mine !== asked) return; // a later choice won
      subject(path, report);
      status.textContent = counted;
      if (moved) document.querySelector('#h-charts').focus();
    };
    if (path === undefined || path === '') return shown(siteSeries);
    fetch(`/stats.json?path=${encodeURIComponent(path)}`, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then((res) => {
        if (res.status === 404) throw new Error(`nothing is counted for ${displayPath(path)}`);
        if (!res.ok) throw new Error(`the figures answered ${res.status}`);
        return res.json();
      })
      .then(shown, (err) => {
        if (mine !== asked) return;
        status.textContent = `The charts of that document could not be loaded: ${err.message}.`;
      });
  };

  fetch('/stats.json', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
    .then((res) => {
      if (!res.ok) throw new Error(`the figures answered ${res.status}`);
      return res.json();
    })
    .then(show, (err) => { status.textContent = `The figures could not be loaded: ${err.message}.`; });
});
