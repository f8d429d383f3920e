// The benchmark's report: each target (key, goal, pass or MISS) and the tables printed by
// `npm run bench` and written to bench/results/latest.md. Pure: figures in, text out.
import { BROTLI_QUALITY, GZIP_LEVEL } from '../src/compile/compression.js';
import { round, type Json } from './plumbing.js';

/** The number at a dotted key (`serve.gzip.ratio`), or undefined. */
export function at(obj: Json, path: string): number | undefined {
  let cur: unknown = obj;
  for (const k of path.split('.')) cur = typeof cur === 'object' && cur !== null ? (cur as Json)[k] : undefined;
  return typeof cur === 'number' ? cur : undefined;
}

/** One target: its key, label, value and goal, and whether the value meets it (null: not measured). */
export interface Target {
  key: string;
  label: string;
  value: number | null;
  unit: string;
  op: '>=' | '<=' | '==';
  limit: number;
  pass: boolean | null;
}

/** Every target of the benchmark and the soak (design issues 4, 6 and 10), evaluated on the results. */
export function evaluate(r: Json): Target[] {
  const spec: [string, string, string, Target['op'], number][] = [
    ['serve.gzip.ratio', 'serving gzip, feedwright / raw node:http (readers counted)', '×', '>=', 0.95],
    ['serve.notModified.ratio', 'serving 304, feedwright / raw node:http (readers counted)', '×', '>=', 0.95],
    ['serve.identity.ratio', 'serving identity, feedwright / raw node:http (readers counted)', '×', '>=', 0.95],
    ['compile.cold.wallSeconds', 'cold compile, 1 origin, wall', 's', '<=', 10],
    ['compile.incremental.visibleMs', 'write → visible in all its feeds (worst of new/edit/removal)', 'ms', '<=', 300],
    ['compile.incremental.unaffectedChanged', 'unaffected documents whose ETag changed', '', '==', 0],
    ['startup.firstOkSeconds', 'start-up with a compiled archive to first 200', 's', '<=', 2],
    ['memory.oneOriginMB', 'resident memory serving, 1 origin', 'MB', '<=', 250],
    ['memory.threeOriginsMB', 'resident memory serving, 3 origins', 'MB', '<=', 300],
    ['compile.full.wallSeconds', 'full re-render as serve does it (settings change), 1 origin, until all servable', 's', '<=', 10],
    ['compile.full3.wallSeconds', 'full re-render as serve does it, 3 origins', 's', '<=', 15],
    ['import.cold.wallSeconds', 'first import of every article file into an empty store', 's', '<=', 30],
    ['compile.peakMB', 'compile peak resident memory (all threads; worst compile)', 'MB', '<=', 1024],
    ['serve.underWrites.p99Ms', 'readers p99, open loop at a fixed rate, API write every 250 ms', 'ms', '<=', 25],
    ['serve.underWrites.maxMs', 'readers max, same run', 'ms', '<=', 250],
    ['serve.duringFullCompile.p99Ratio', 'readers p99 during a full re-render ÷ no compile (same run)', '×', '<=', 1.5],
  ];
  // The soak reports only its own keys: the others are not measured there, so not listed.
  if (r.kind === 'soak') return spec.filter(([key]) => key.startsWith('serve.underWrites.')).map(([key, label, unit, op, limit]) => target(r, key, label, unit, op, limit));
  return spec.map(([key, label, unit, op, limit]) => target(r, key, label, unit, op, limit));
}

function target(r: Json, key: string, label: string, unit: string, op: Target['op'], limit: number): Target {
  const value = at(r, key);
  const pass = value === undefined ? null : op === '>=' ? value >= limit : op === '<=' ? value <= limit : value === limit;
  return { key, label, value: value ?? null, unit, op, limit, pass };
}

/** The targets as a Markdown table. */
export function targetTable(targets: Target[]): string[] {
  const lines = ['| target | value | goal | result |', '|---|---|---|---|'];
  for (const t of targets) {
    const goal = `${t.op === '>=' ? '≥' : t.op === '<=' ? '≤' : '='} ${t.limit}${t.unit ? ` ${t.unit}` : ''}`;
    const value = t.value === null ? '—' : `${round(t.value, t.unit === '×' ? 3 : 2)}${t.unit ? ` ${t.unit}` : ''}`;
    lines.push(`| ${t.label} (\`${t.key}\`) | ${value} | ${goal} | ${t.pass === null ? 'not measured' : t.pass ? 'pass' : 'MISS'} |`);
  }
  return lines;
}

/**
 * The open-loop readers' runs as a Markdown table (rows under `base`: duringFullCompile,
 * noCompile, underWrites, each an object of summaryJson figures plus the window figures).
 */
export function readersTable(r: Json, base: string, rows: [key: string, label: string][]): string[] {
  const n = (key: string, digits = 2) => {
    const v = at(r, key);
    return v === undefined ? '—' : String(round(v, digits));
  };
  const lines = ['| readers (open loop) | rate sent / answered per s | errors / timeouts | p50 / p99 / max ms | generator lag p99 / max ms |', '|---|---|---|---|---|'];
  for (const [key, label] of rows) {
    const k = `${base}.${key}`;
    if (at(r, `${k}.scheduled`) === undefined) continue;
    lines.push(`| ${label} | ${n(`${k}.sentPerSecond`, 0)} / ${n(`${k}.completedPerSecond`, 0)} of ${n(`${k}.rate`, 0)} | ${n(`${k}.errors`, 0)} / ${n(`${k}.timeouts`, 0)} | ${n(`${k}.p50Ms`)} / ${n(`${k}.p99Ms`)} / ${n(`${k}.maxMs`)} | ${n(`${k}.sendLagP99Ms`)} / ${n(`${k}.sendLagMaxMs`)} |`);
  }
  return lines;
}

/** The results as Markdown: targets, the serving table, the open-loop readers, the codings and the other figures. */
export function renderTable(r: Json): string {
  const m = r.machine as Json;
  const p = r.params as Json;
  const n = (key: string, digits = 2) => {
    const v = at(r, key);
    return v === undefined ? '—' : String(round(v, digits));
  };
  const lines: string[] = [];
  lines.push(`### feedwright benchmark — ${String(p.articles)} articles${p.quick ? ' (--quick)' : ''}, ${String(r.finishedAt ?? '')}`);
  lines.push('');
  lines.push(`Machine: ${String(m.cpu)}, ${String(m.cores)} cores, ${String(m.memoryGB)} GB, Node ${String(m.node)}, ${String(m.os)}. Load: ${String(p.loadGenerator)}, 64 connections, ${String(p.runSeconds)} s runs, ${String(p.pairs)} A/B pairs per mode, 127.0.0.1.`);
  lines.push('');
  lines.push(...targetTable(r.targets as Target[]));
  lines.push('');
  const serve = r.serve as Json | undefined;
  if (serve) {
    const peer = serve.peer as Json;
    lines.push(`Serving \`${String(serve.path)}\` (${n('serve.bytes.identity', 0)} B, gzip ${n('serve.bytes.gzip', 0)} B, br ${n('serve.bytes.br', 0)} B): median req/s and p99 latency.`);
    lines.push('');
    lines.push('| mode | A feedwright req/s | B raw node:http req/s | A/B (median of pairs) | A p99 ms | B p99 ms | C Express+feed per request req/s | D Express, cached string req/s |');
    lines.push('|---|---|---|---|---|---|---|---|');
    for (const mode of ['gzip', 'identity', 'notModified']) {
      if (serve[mode] === undefined) continue;
      const k = `serve.${mode}`;
      lines.push(`| ${mode === 'notModified' ? '304' : mode} | ${n(`${k}.feedwrightRps`, 0)} | ${n(`${k}.baselineRps`, 0)} | ${n(`${k}.ratio`, 3)} | ${n(`${k}.p99Ms`)} | ${n(`${k}.baselineP99Ms`)} | ${n(`${k}.peerRps`, 0)} (p99 ${n(`${k}.peerP99Ms`)} ms${at(r, `${k}.peerTimeouts`) ? `, ${n(`${k}.peerTimeouts`, 0)} timeouts` : ''}) | ${n(`${k}.peerCachedRps`, 0)} |`);
    }
    lines.push('');
    lines.push(`C and D: ${String(peer.note)}.`);
    if (at(r, 'serve.observerNsPerAnswer') !== undefined) lines.push(`Readers were counted (metrics and /stats) on every feedwright run; ${n('serve.countedRequests', 0)} answers were counted. Counting costs ${n('serve.observerNsPerAnswer', 0)} ns of the serving thread an answer (metrics ${n('serve.observerCost.metricsNs', 0)} ns, readers ${n('serve.observerCost.readersNs', 0)} ns; bench/observer-cost.ts).`);
    if (String(p.loadGenerator).startsWith('autocannon')) {
      lines.push('');
      lines.push('Note: autocannon parses responses in JavaScript and tops out far below the servers on large bodies, so the gzip and identity ratios above are bound by the load generator (both sides look alike). Install wrk (`apt-get install wrk`) and the benchmark uses it.');
    }
    lines.push('');
  }
  if (at(r, 'serve.duringFullCompile.scheduled') !== undefined || at(r, 'serve.underWrites.scheduled') !== undefined) {
    lines.push(`Readers, open loop (${n('serve.underWrites.rate', 0)} requests/s on a fixed schedule over ${n('serve.underWrites.connections', 0)} keep-alive connections, latency from each request's scheduled send; mix: ${n('serve.readers.documents', 0)} documents (RSS, Atom, JSON Feed), gzip, half with If-None-Match). During the full re-render the load ran from the server's first answer to 2 s after the publish (${n('serve.duringFullCompile.seconds', 1)} s; the ratio's p99); requests scheduled before the publish alone (${n('serve.duringFullCompile.windowSeconds', 1)} s): p99 ${n('serve.duringFullCompile.windowP99Ms')} ms, max ${n('serve.duringFullCompile.windowMaxMs')} ms over ${n('serve.duringFullCompile.windowRequests', 0)} requests; under writes: ${n('serve.underWrites.writes.writes', 0)} API writes (${n('serve.underWrites.writes.deletes', 0)} removals, ${n('serve.underWrites.writes.errors', 0)} errors, answered in p50 ${n('serve.underWrites.writes.writeP50Ms', 0)} / max ${n('serve.underWrites.writes.writeMaxMs', 0)} ms).`);
    lines.push('');
    lines.push(...readersTable(r, 'serve', [['duringFullCompile', 'during a full re-render (whole run)'], ['noCompile', 'no compile (same server, after it)'], ['underWrites', 'API write every 250 ms']]));
    lines.push('');
  }
  if (at(r, 'codings.documents') !== undefined) {
    lines.push(`Response codings over every document of the full re-render (1 origin, ${n('codings.documents', 0)} documents; bytes as served, CPU from compressing every identity body again at the levels of src/compile/compression.ts; same bytes as served: gzip ${n('codings.sameAsServed.gzip', 0)}, br ${n('codings.sameAsServed.br', 0)}):`);
    lines.push('');
    lines.push('| coding | bytes per response (mean) | total MB | CPU seconds, all documents |');
    lines.push('|---|---|---|---|');
    lines.push(`| identity | ${n('codings.meanBytes.identity', 0)} | ${round((at(r, 'codings.bytes.identity') ?? Number.NaN) / 1e6, 1)} | — |`);
    lines.push(`| gzip (level ${GZIP_LEVEL}, before publishing) | ${n('codings.meanBytes.gzip', 0)} | ${round((at(r, 'codings.bytes.gzip') ?? Number.NaN) / 1e6, 1)} | ${n('codings.cpuSeconds.gzip')} |`);
    lines.push(`| br (quality ${BROTLI_QUALITY}, in the background; ${n('codings.brDocuments', 0)} documents had theirs when measured) | ${n('codings.meanBytes.br', 0)} | ${round((at(r, 'codings.bytes.br') ?? Number.NaN) / 1e6, 1)} | ${n('codings.cpuSeconds.br')} |`);
    lines.push('');
  }
  lines.push('| other figures | value |');
  lines.push('|---|---|');
  const rows: [string, string][] = [
    ['archive', `${n('archive.articles', 0)} articles, ${n('archive.megabytes', 1)} MB, ${n('archive.sections', 0)} sections, ${n('archive.tags', 0)} tags (generated in ${n('archive.generateSeconds', 1)} s)`],
    ['cold compile, 1 origin', `${n('compile.cold.feeds', 0)} feeds, ${n('compile.cold.documents', 0)} documents; ${n('compile.cold.wallSeconds')} s wall, ${n('compile.cold.cpuSeconds')} s CPU, peak RSS ${n('compile.cold.peakRssMB', 0)} MB`],
    ['cold import (files → empty store, no render)', `${n('import.cold.files', 0)} files, ${n('import.cold.articles', 0)} articles; ${n('import.cold.wallSeconds')} s wall, ${n('import.cold.cpuSeconds')} s CPU (${n('import.cold.threads', 0)} worker threads), peak RSS ${n('import.cold.peakRssMB', 0)} MB`],
    ['full re-render as serve does it, 1 origin (spawn → publish / compile alone)', `${n('compile.full.feeds', 0)} feeds, ${n('compile.full.documents', 0)} documents; ${n('compile.full.wallSeconds')} s / ${n('compile.full.compileSeconds')} s, peak RSS ${n('compile.full.peakMB', 0)} MB`],
    ['full re-render as serve does it, 3 origins', `${n('compile.full3.documents', 0)} documents; ${n('compile.full3.wallSeconds')} s / ${n('compile.full3.compileSeconds')} s, peak RSS ${n('compile.full3.peakMB', 0)} MB`],
    ['full re-render under the readers\' load, 1 origin', `${n('compile.fullUnderLoad.wallSeconds')} s / ${n('compile.fullUnderLoad.compileSeconds')} s, peak RSS ${n('compile.fullUnderLoad.peakMB', 0)} MB`],
    ['cold compile, 3 origins', `${n('compile.coldThreeOrigins.documents', 0)} documents; ${n('compile.coldThreeOrigins.wallSeconds')} s wall, ${n('compile.coldThreeOrigins.cpuSeconds')} s CPU, peak RSS ${n('compile.coldThreeOrigins.peakRssMB', 0)} MB`],
    ['first compile of a restarted process (in-process)', `${n('compile.restartCompileSeconds')} s`],
    ['incremental: new / edit / removal visible (as `serve` is wired: every compile also scans the article files; from the render workers ready)', `${n('compile.incremental.newArticleMs', 0)} / ${n('compile.incremental.editMs', 0)} / ${n('compile.incremental.removalMs', 0)} ms (workers ready ${n('compile.incremental.workersReadySeconds')} s after the service started)`],
    ['incremental without the article-file source: new / edit / removal visible', `${n('compile.incremental.withoutFileSource.newArticleMs', 0)} / ${n('compile.incremental.withoutFileSource.editMs', 0)} / ${n('compile.incremental.withoutFileSource.removalMs', 0)} ms (fresh service restored in ${n('compile.incremental.withoutFileSource.restartCompileSeconds')} s)`],
    ['incremental: work', `${n('compile.incremental.feedsRendered', 0)} feeds rendered, ${n('compile.incremental.documentsRendered', 0)} documents (3 compiles); ${n('compile.incremental.changedDocuments', 0)} of ${n('compile.incremental.totalDocuments', 0)} documents changed ETag for ${n('compile.incremental.affectedFeeds', 0)} affected feeds of ${n('compile.incremental.totalFeeds', 0)}; unaffected changed: ${n('compile.incremental.unaffectedChanged', 0)}`],
    ['start-up: first response / first 200 / healthz ready', `${n('startup.firstResponseSeconds', 3)} / ${n('startup.firstOkSeconds', 3)} / ${n('startup.healthReadySeconds', 3)} s (3 origins: first 200 ${n('startup.threeOrigins.firstOkSeconds', 3)} s)`],
    ['memory, 1 origin: after start-up / all touched / under load / peak', `${n('memory.oneOrigin.afterStartupMB', 0)} / ${n('memory.oneOrigin.afterTouchAllMB', 0)} / ${n('memory.oneOrigin.afterLoadMB', 0)} / ${n('memory.oneOrigin.peakMB', 0)} MB (${n('memory.oneOrigin.documentsTouched', 0)} documents)`],
    ['memory, 3 origins: after start-up / all touched / under load / peak', `${n('memory.threeOrigins.afterStartupMB', 0)} / ${n('memory.threeOrigins.afterTouchAllMB', 0)} / ${n('memory.threeOrigins.afterLoadMB', 0)} / ${n('memory.threeOrigins.peakMB', 0)} MB (${n('memory.threeOrigins.documentsTouched', 0)} documents)`],
  ];
  for (const [k, v] of rows) lines.push(`| ${k} | ${v} |`);
  if ((p as Json).buildChangedDuringRun === true) {
    lines.push('');
    lines.push('**Warning:** dist/src was rebuilt while the benchmark ran; the figures mix two builds (a compile and a restart may not share a renderer version).');
  }
  if (r.error !== undefined) {
    lines.push('');
    lines.push(`**The run failed:** ${String(r.error).split('\n')[0]}`);
  }
  return lines.join('\n');
}
