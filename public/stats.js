// The /stats page's one script (served from this origin, as the page's CSP requires): fetches
// /stats.json (the login cookie goes with it) and fills the totals, the per-feed table and the
// reader families, then draws the four charts with uPlot (served from this origin too).
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
  const figuresRow = (f, name, header) => {
    const tr = document.createElement('tr');
    cell(tr, name, header);
    for (const v of [number(f.requests), number(f.ok), number(f.notModified), percent(f.notModifiedShare), bytes(f.bytes), bytes(f.bytesByCoding.gzip), bytes(f.bytesByCoding.br)]) cell(tr, v);
    cell(tr, subscribers(f), false, 'wrap');
    cell(tr, number(f.readersToday));
    return tr;
  };

  const show = (report) => {
    status.textContent = `Counted from ${report.from} to ${report.to} (UTC).`;
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
    for (const f of report.feeds) body.append(figuresRow(f, displayPath(f.path), true));
    if (report.feeds.length === 0) {
      const tr = document.createElement('tr');
      cell(tr, 'Nothing counted in the last 7 days.');
      tr.firstChild.colSpan = 10;
      body.append(tr);
    }
    feeds.querySelector('tfoot').append(figuresRow(site, 'Whole site', true));
    const families = document.querySelector('[data-families] tbody');
    for (const fam of site.byFamily) {
      const tr = document.createElement('tr');
      cell(tr, fam.family, true);
      cell(tr, number(fam.requests));
      cell(tr, number(fam.readersToday));
      families.append(tr);
    }
    draw(report);
  };

  const charts = [];
  const draw = (report) => {
    if (typeof uPlot !== 'function') {
      status.textContent += ' The charts could not be drawn (uPlot did not load).';
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
    const specs = {
      requests: { data: [report.hourly.t, report.hourly.requests], series: [{ label: 'Polls', stroke: colour('--accent'), width: 2 }], format: number },
      share: { data: [report.hourly.t, report.hourly.notModifiedShare.map((s) => (s === null ? null : s * 100))], series: [{ label: '304 share (%)', stroke: colour('--chart-2'), width: 2, points: { show: true, size: 5 } }], format: (v) => `${v} %` },
      bytes: { data: [report.hourly.t, report.hourly.bytes], series: [{ label: 'Bytes', stroke: colour('--chart-3'), width: 2 }], format: bytes },
      subscribers: { data: [report.daily.t, report.daily.subscribers, report.daily.readers], series: [{ label: 'Subscribers', stroke: colour('--accent'), width: 2 }, { label: 'Individual readers', stroke: colour('--chart-2'), width: 2 }], format: number },
    };
    for (const [name, spec] of Object.entries(specs)) {
      const target = document.querySelector(`[data-chart="${name}"]`);
      const width = Math.max(280, target.clientWidth || 600);
      const opts = { width, height: 220, scales: { x: { time: true } }, series: [{ label: 'Time (UTC)' }, ...spec.series], axes: axes(spec.format), tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC') };
      charts.push([target, new uPlot(opts, spec.data, target)]);
    }
    window.addEventListener('resize', () => {
      for (const [target, chart] of charts) chart.setSize({ width: Math.max(280, target.clientWidth || 600), height: 220 });
    });
  };

  fetch('/stats.json', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
    .then((res) => {
      if (!res.ok) throw new Error(`the figures answered ${res.status}`);
      return res.json();
    })
    .then(show, (err) => { status.textContent = `The figures could not be loaded: ${err.message}.`; });
});
